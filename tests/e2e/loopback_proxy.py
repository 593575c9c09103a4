"""A loopback TCP proxy for the tests: each new connection goes to the next backend in turn
(round-robin, as a load balancer in front of several nodes), skipping backends that refuse; it can
stop answering and start again (a service that goes away and comes back)."""
import socket
import threading

from conftest import free_port


class LoopbackProxy:
    def __init__(self, backend_ports):
        self.backend_ports = list(backend_ports)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.listener = None
        self.thread = None
        self.running = False
        self.connections = []
        self.turn = 0
        self.counts = {port: 0 for port in self.backend_ports}

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        # Closing a socket does not wake a blocked accept: the loop checks `running` every 0.2 s.
        self.listener.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if not self.running:
            return
        self.running = False
        self.thread.join()
        self.listener.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            except OSError:
                pass
        self.connections = []

    def _connect_backend(self):
        for _ in range(len(self.backend_ports)):
            port = self.backend_ports[self.turn % len(self.backend_ports)]
            self.turn += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
                upstream.settimeout(None)
                self.counts[port] += 1
                return upstream
            except OSError:
                continue
        return None

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = self._connect_backend()
            if upstream is None:
                client.close()
                continue
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, destination):
        try:
            while chunk := source.recv(65536):
                destination.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, destination):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
