"""HTTPS: `tls: auto` makes a CA and a server certificate on first start, serves the CA at
/api/v2.0/systeminfo/getcert, and skopeo pushes and pulls trusting it through --cert-dir (no
--tls-verify=false); `tls.certificate`/`tls.key` serve given files, and are read again while serving; bad settings
stop start-up."""
import os
import shutil
import subprocess
import time

import requests
import urllib3

from conftest import ADMIN_PASSWORD, Berth, free_port, run, wait_for
from test_clients import build_umoci_image

CREDS = f"admin:{ADMIN_PASSWORD}"
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def test_auto_tls_is_trusted_through_its_ca(berth_binary, tmp_path):
    port = free_port()
    server = Berth(berth_binary, str(tmp_path / "data"), port, scheme="https",
                   env={"BERTH_TLS": "auto", "BERTH_EXTERNAL_URL": f"https://localhost:{port}"})
    server.start()
    try:
        authority = os.path.join(server.data_dir, "tls", "ca.pem")
        assert requests.get(f"https://localhost:{port}/api/v2.0/ping", verify=authority).text == "Pong"
        served = requests.get(f"{server.url}/api/v2.0/systeminfo/getcert", verify=authority)
        assert served.status_code == 200 and served.text == open(authority).read()
        assert "ca.crt" in served.headers["Content-Disposition"]
        info = requests.get(f"{server.url}/api/v2.0/systeminfo", auth=server.auth, verify=authority).json()
        assert info["has_ca_root"] is True and info["external_url"] == f"https://localhost:{port}"
        # Plain HTTP on the TLS port gets no registry answer.
        try:
            plain = requests.get(f"http://127.0.0.1:{port}/v2/", timeout=5)
            assert plain.status_code >= 400
        except requests.ConnectionError:
            pass

        certs = tmp_path / "certs"
        certs.mkdir()
        shutil.copy(authority, certs / "ca.crt")
        layout, digest = build_umoci_image(str(tmp_path / "image"))
        target = f"docker://localhost:{port}/library/secure:v1"
        refused = subprocess.run(["skopeo", "copy", "--dest-creds", CREDS, f"oci:{layout}:v1", target], capture_output=True, text=True, timeout=300)
        assert refused.returncode != 0 and "certificate" in refused.stderr
        run("skopeo", "copy", "--dest-cert-dir", str(certs), "--dest-creds", CREDS, f"oci:{layout}:v1", target)
        raw = run("skopeo", "inspect", "--raw", "--cert-dir", str(certs), "--creds", CREDS, target)
        assert '"layers"' in raw
        run("skopeo", "copy", "--src-cert-dir", str(certs), "--src-creds", CREDS, target, f"oci:{tmp_path / 'pulled'}:v1")

        # A restart keeps the CA (clients trust it once) and the certificate.
        certificate = open(os.path.join(server.data_dir, "tls", "server.pem")).read()
        server.stop()
        server.start()
        assert open(os.path.join(server.data_dir, "tls", "server.pem")).read() == certificate
        assert requests.get(f"https://localhost:{port}/api/v2.0/ping", verify=authority).status_code == 200
    finally:
        server.stop()

    # The same files given as tls.certificate and tls.key: served, and no CA of Berth's to hand out.
    given = Berth(berth_binary, str(tmp_path / "given"), free_port(), scheme="https",
                  env={"BERTH_TLS_CERTIFICATE": os.path.join(server.data_dir, "tls", "server.pem"),
                       "BERTH_TLS_KEY": os.path.join(server.data_dir, "tls", "server-key.pem")})
    given.start()
    try:
        assert requests.get(f"https://localhost:{given.port}/api/v2.0/ping", verify=authority).status_code == 200
        assert requests.get(f"https://localhost:{given.port}/api/v2.0/systeminfo/getcert", verify=authority).status_code == 404
    finally:
        given.stop()


def test_bad_tls_settings_stop_start_up(berth_binary, tmp_path):
    base = dict(os.environ, BERTH_LISTEN=f"127.0.0.1:{free_port()}", BERTH_DATA_DIR=str(tmp_path / "data"),
                BERTH_ADMIN_PASSWORD=ADMIN_PASSWORD)
    for extra, key in (({"BERTH_TLS": "sometimes"}, "'tls'"),
                       ({"BERTH_TLS_CERTIFICATE": "/nonexistent.pem"}, "tls.certificate"),
                       ({"BERTH_TLS_CERTIFICATE": "/etc/hostname", "BERTH_TLS_KEY": "/etc/hostname"}, "tls.certificate")):
        result = subprocess.run([berth_binary, "serve"], env=dict(base, **extra), capture_output=True, text=True, timeout=60)
        assert result.returncode == 78, (extra, result.stderr)
        assert key in result.stderr, result.stderr


def self_signed(name):
    """A certificate for `name` and its key, as PEM bytes (cryptography from PyPI)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
                   .sign(key, hashes.SHA256()))
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def served_common_name(port):
    import ssl

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    pem = ssl.get_server_certificate(("127.0.0.1", port))
    return x509.load_pem_x509_certificate(pem.encode()).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def test_a_renewed_certificate_is_served_without_a_restart(berth_binary, tmp_path):
    certificate_path, key_path = tmp_path / "server.pem", tmp_path / "server-key.pem"
    first, second = self_signed("first"), self_signed("second")
    certificate_path.write_bytes(first[0])
    key_path.write_bytes(first[1])
    server = Berth(berth_binary, str(tmp_path / "data"), free_port(), scheme="https",
                   env={"BERTH_TLS_CERTIFICATE": str(certificate_path), "BERTH_TLS_KEY": str(key_path),
                        "BERTH_TLS_RELOAD_SECONDS": "1"})
    server.start()
    try:
        assert served_common_name(server.port) == "first"
        # Half-way through a renewal: the new certificate beside the old key. It is not served
        # (every handshake would fail); the old pair goes on.
        certificate_path.write_bytes(second[0])
        time.sleep(2.5)
        assert served_common_name(server.port) == "first"
        assert requests.get(f"{server.url}/api/v2.0/ping", verify=False).status_code == 200
        key_path.write_bytes(second[1])
        wait_for(lambda: served_common_name(server.port) == "second", timeout=10, what="the new certificate to be served")
        assert requests.get(f"{server.url}/api/v2.0/ping", verify=False).status_code == 200
        # The process was not restarted.
        assert server.process.poll() is None
    finally:
        server.stop()
