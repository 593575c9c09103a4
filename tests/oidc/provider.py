#!/usr/bin/env python3
# OpenID Connect provider for Berth's tests, built on the pyop library.
#
# pip requirements (pinned as installed; `pip install pyop==3.5.0` pulls the rest):
#   pyop==3.5.0 oic==1.7.0 pyjwkest==1.4.4 pycryptodomex==3.24.2 cryptography==51.0.1
#   cffi==2.1.1 pycparser==3.12 future==1.0.0 six==1.17.0 requests==2.34.2 urllib3==2.8.0
#   idna==3.21 certifi==2026.10.19.post1 charset-normalizer==3.5.3 Mako==1.4.3 MarkupSafe==3.0.4
#   defusedxml==0.7.1 pydantic==2.14.4 pydantic_core==2.50.5 pydantic-settings==2.16.3
#   python-dotenv==1.2.4 annotated-types==0.8.0 typing_extensions==4.16.0 typing-inspection==0.4.5
# The HTTP server is the standard library's http.server (no web framework).
#
# Usage: python3 tests/oidc/provider.py --port PORT [--issuer URL] [--alg RS256|ES256]
#            [--id-token-seconds 300] [--access-token-seconds 3600] [--refresh-token-seconds 86400]
#            [--redirect-uri URI ...] [--require-pkce] [--no-refresh-id-token] [--groups-claim groups]
# Prints "READY <issuer>" on stdout once listening on 127.0.0.1:PORT (--port 0 picks a free port).
# See tests/oidc/README.md for endpoints, users, claims and the /test/mint endpoint.
"""OpenID Connect provider (pyop) for Berth's OIDC sign-in tests. Loopback only."""

import argparse
import base64
import html
import json
import logging
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from Cryptodome.PublicKey import RSA as CryptodomeRSA
from jwkest.jwk import ECKey, RSAKey
from jwkest.jws import JWS
from oic.oic.message import AuthorizationErrorResponse
from pyop.authz_state import AuthorizationState
from pyop.exceptions import (
    BearerTokenError,
    InvalidAuthenticationRequest,
    InvalidClientAuthentication,
    InvalidRedirectURI,
    OAuthError,
    UnknownClientId,
)
from pyop.provider import Provider, redirect_uri_is_in_registered_redirect_uris
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from pyop.util import should_fragment_encode

CLIENT_ID = "berth"
CLIENT_SECRET = "berth-secret"
# Any Berth instance on loopback, whatever its (random) port.
REDIRECT_URI_PATTERN = re.compile(r"^http://127\.0\.0\.1:[0-9]{1,5}/c/oidc/callback$")

# Fixed users: login name -> password and claims. "sub" is stable across restarts and
# deliberately differs from the login name.
USERS = {
    "alice": {"password": "Alice-Oidc-1", "sub": "oidc-sub-alice", "email": "alice@oidc.test",
              "name": "Alice", "groups": ["developers", "team-a"]},
    "bob": {"password": "Bob-Oidc-2", "sub": "oidc-sub-bob", "email": "bob@oidc.test",
            "name": "Bob", "groups": ["developers"]},
    "carol": {"password": "Carol-Oidc-3", "sub": "oidc-sub-carol", "email": "carol@oidc.test",
              "name": "Carol", "groups": ["registry-admins"]},
}

log = logging.getLogger("berth-oidc-provider")


# ---------------------------------------------------------------- keys

def new_private_key(alg):
    if alg.startswith("RS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError("unsupported alg %r" % alg)


def b64u_int(n, length):
    return base64.urlsafe_b64encode(n.to_bytes(length, "big")).rstrip(b"=").decode("ascii")


def to_jwkest(private_key, kid):
    """Wrap a `cryptography` private key as the jwkest key object pyop signs with."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        pem = private_key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        return RSAKey(key=CryptodomeRSA.import_key(pem), kid=kid, use="sig", alg="RS256")
    nums = private_key.private_numbers()
    return ECKey(crv="P-256", x=b64u_int(nums.public_numbers.x, 32),
                 y=b64u_int(nums.public_numbers.y, 32), d=b64u_int(nums.private_value, 32),
                 kid=kid, use="sig", alg="ES256")


def key_family(alg):
    return "RSA" if alg.startswith("RS") else "EC"


# ---------------------------------------------------------------- the provider

class TestProvider:
    def __init__(self, args, issuer):
        self.args = args
        self.issuer = issuer                      # used verbatim as "iss"
        self.prefix = urlparse(issuer).path.rstrip("/")
        self.alg = args.alg
        self.lock = threading.Lock()
        self.groups_claim = args.groups_claim
        self.extra_redirect_uris = list(args.redirect_uri or [])

        kid = "berth-test-%s-%s" % (self.alg.lower(), uuid.uuid4().hex[:8])
        self.private_key = new_private_key(self.alg)
        self.signing_key = to_jwkest(self.private_key, kid)
        # Keys that are never published, for /test/mint's "other-key" (one per family).
        self.other_keys = {"RSA": new_private_key("RS256"), "EC": new_private_key("ES256")}

        base = issuer.rstrip("/")
        config = {
            # pyop (oic) refuses a non-https issuer when the Provider is built; the real
            # (plain http loopback) issuer is put back right after, see below.
            "issuer": "https://placeholder.invalid",
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg],
            "scopes_supported": ["openid", "profile", "email", "groups", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "at_hash", "email",
                                 "email_verified", "name", "preferred_username", self.groups_claim],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
        clients = {
            CLIENT_ID: {
                "client_secret": CLIENT_SECRET,
                # pyop accepts exactly one method per client; client_secret_post requests are
                # rewritten to Basic before pyop sees them (see TokenEndpoint handling).
                "token_endpoint_auth_method": "client_secret_basic",
                "response_types": ["code"],
                # Checked by our own validator (pattern + --redirect-uri), not pyop's exact match.
                "redirect_uris": self.extra_redirect_uris,
                "subject_type": "public",
            }
        }
        userinfo_db = {}
        for login, u in USERS.items():
            userinfo_db[login] = {
                "sub": u["sub"], "email": u["email"], "email_verified": True, "name": u["name"],
                "preferred_username": login, self.groups_claim: list(u["groups"]),
            }
        authz_state = AuthorizationState(
            HashBasedSubjectIdentifierFactory(uuid.uuid4().hex),
            access_token_lifetime=args.access_token_seconds,
            refresh_token_lifetime=args.refresh_token_seconds,
        )
        self.op = Provider(self.signing_key, config, authz_state, clients, Userinfo(userinfo_db),
                           id_token_lifetime=args.id_token_seconds,
                           extra_scopes={"groups": [self.groups_claim]})
        self.op.configuration_information["issuer"] = self.issuer

        # Replace pyop's exact redirect_uri check by "pattern or --redirect-uri", and add PKCE rules.
        validators = self.op.authentication_request_validators
        for i, v in enumerate(validators):
            if getattr(v, "func", None) is redirect_uri_is_in_registered_redirect_uris:
                validators[i] = self.check_redirect_uri
        validators.append(self.check_pkce)

    # ---- request validation

    def redirect_uri_ok(self, uri):
        return bool(uri) and (REDIRECT_URI_PATTERN.match(uri) is not None or uri in self.extra_redirect_uris)

    def check_redirect_uri(self, auth_req):
        if not self.redirect_uri_ok(auth_req.get("redirect_uri")):
            raise InvalidRedirectURI("Redirect uri is not registered for this client", auth_req,
                                     oauth_error="invalid_request")

    def check_pkce(self, auth_req):
        if "code_challenge" in auth_req:
            # pyop would accept "plain" (or a missing method) here and then fail with a 500 at
            # the token endpoint; only S256 is supported.
            if auth_req.get("code_challenge_method") != "S256":
                raise InvalidAuthenticationRequest("code_challenge_method must be S256", auth_req,
                                                   oauth_error="invalid_request")
            if not re.fullmatch(r"[A-Za-z0-9_-]{43}", auth_req["code_challenge"]):
                raise InvalidAuthenticationRequest("malformed S256 code_challenge", auth_req,
                                                   oauth_error="invalid_request")
        elif self.args.require_pkce:
            raise InvalidAuthenticationRequest("code_challenge required (PKCE)", auth_req,
                                               oauth_error="invalid_request")

    # ---- claims

    def id_token_claims(self, user_id, client_id=None):
        u = USERS[user_id]
        return {"email": u["email"], "email_verified": True, "name": u["name"],
                "preferred_username": user_id, self.groups_claim: list(u["groups"])}

    # ---- /test/mint

    def mint(self, body):
        user = body.get("user", "alice")
        if user not in USERS:
            raise ValueError("unknown user %r" % user)
        sign_with = body.get("sign_with", "provider")
        alg = body.get("alg", self.alg)
        now = int(time.time())
        lifetime = int(body.get("expires_in", self.args.id_token_seconds))
        claims = {"iss": self.issuer, "sub": USERS[user]["sub"], "aud": [CLIENT_ID],
                  "iat": now, "exp": now + lifetime}
        claims.update(self.id_token_claims(user))
        for k, v in (body.get("claims") or {}).items():
            if v is None:
                claims.pop(k, None)
            else:
                claims[k] = v
        payload = json.dumps(claims)
        extra_header = dict(body.get("header") or {})

        if alg == "none":
            header = dict({"alg": "none"}, **extra_header)
            token = "%s.%s." % (b64u(json.dumps(header).encode()), b64u(payload.encode()))
            return {"id_token": token, "header": header, "claims": claims}
        if alg not in ("RS256", "ES256"):
            raise ValueError("alg must be RS256, ES256 or none")
        if sign_with == "provider":
            if key_family(alg) != key_family(self.alg):
                raise ValueError("the provider key is %s (started with --alg %s); it cannot sign %s"
                                 % (key_family(self.alg), self.alg, alg))
            key = self.signing_key
            if "kid" in body:
                key = to_jwkest(self.private_key, body["kid"])
        elif sign_with == "other-key":
            kid = body.get("kid", "other-%s-key" % alg.lower())
            key = to_jwkest(self.other_keys[key_family(alg)], kid)
        else:
            raise ValueError("sign_with must be 'provider' or 'other-key'")
        token = JWS(payload, alg=alg).sign_compact([key], protected=extra_header or None)
        header = json.loads(base64.urlsafe_b64decode(pad(token.split(".")[0])))
        return {"id_token": token, "header": header, "claims": claims}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pad(s):
    return s + "=" * (-len(s) % 4)


LOGIN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Berth test OIDC provider: sign in</title></head>
<body>
<h1>Sign in to the Berth test OIDC provider</h1>
<p>Client <code>{client_id}</code> asks for scopes <code>{scope}</code>.</p>
{error}
<form id="login" method="post" action="{action}">
<input type="hidden" name="auth_request" value="{auth_request}">
<p><label for="username">Username</label> <input id="username" name="username" autocomplete="username" autofocus></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button id="submit" type="submit">Sign in</button></p>
</form>
<form id="deny" method="post" action="{action}">
<input type="hidden" name="auth_request" value="{auth_request}">
<input type="hidden" name="action" value="deny">
<p><button id="cancel" type="submit">Cancel</button></p>
</form>
</body></html>
"""

ERROR_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Berth test OIDC provider: error</title></head>
<body><h1>Authorization request rejected</h1><p id="error">{message}</p></body></html>
"""


class Handler(BaseHTTPRequestHandler):
    server_version = "BerthTestOIDC/1"
    protocol_version = "HTTP/1.1"
    tp = None  # TestProvider, set in main()

    def log_message(self, fmt, *args):
        sys.stderr.write("oidc-provider: %s\n" % (fmt % args))

    # ---- plumbing

    def route(self):
        path = urlparse(self.path).path
        prefix = self.tp.prefix
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix):]
        return path.rstrip("/") or "/"

    def query(self):
        return urlparse(self.path).query

    def body(self):
        return self._body

    def send(self, status, body, content_type="application/json", headers=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Pragma", "no-cache")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status, obj, headers=None):
        self.send(status, json.dumps(obj), "application/json", headers)

    def redirect(self, location):
        self.send(302, "", "text/plain", {"Location": location})

    def error_page(self, status, message):
        self.send(status, ERROR_PAGE.format(message=html.escape(message)), "text/html; charset=utf-8")

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        route = self.route()
        n = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(n).decode("utf-8", "replace") if n > 0 else ""
        try:
            if route == "/.well-known/openid-configuration" and method == "GET":
                self.send(200, self.tp.op.provider_configuration.to_json())
            elif route == "/jwks" and method == "GET":
                self.send_json(200, self.tp.op.jwks)
            elif route == "/authorize":
                self.authorize(method)
            elif route == "/token" and method == "POST":
                self.token()
            elif route == "/userinfo":
                self.userinfo(method)
            elif route == "/test/mint" and method == "POST":
                self.mint()
            else:
                self.send_json(404, {"error": "not_found", "path": self.path})
        except Exception as e:  # never leave a test hanging on a dropped connection
            log.exception("internal error")
            self.send_json(500, {"error": "server_error", "error_description": repr(e)})

    # ---- authorization endpoint

    def parse_auth_request(self, raw):
        """Returns (auth_req, None) or (None, already-sent)."""
        params = parse_qsl(raw, keep_blank_values=True)
        # OIDC Core 11: without prompt=consent the OP must *ignore* offline_access; oic rejects
        # the whole request instead, so drop it here. Refresh tokens are issued regardless.
        fixed = []
        for k, v in params:
            if k == "scope":
                prompt = dict(params).get("prompt", "").split()
                if "consent" not in prompt:
                    v = " ".join(s for s in v.split() if s != "offline_access")
            fixed.append((k, v))
        try:
            with self.tp.lock:
                return self.tp.op.parse_authentication_request(urlencode(fixed)), True
        except (UnknownClientId, InvalidRedirectURI) as e:
            self.error_page(400, str(e))
        except InvalidAuthenticationRequest as e:
            # pyop would build an error redirect to whatever redirect_uri the request named, even
            # when the request failed before the client/redirect_uri checks: only redirect to a
            # redirect_uri that belongs to our client.
            d = dict(params)
            url = e.to_error_url()
            if url and d.get("client_id") == CLIENT_ID and self.tp.redirect_uri_ok(d.get("redirect_uri")):
                self.redirect(url)
            else:
                self.error_page(400, str(e))
        return None, False

    def error_redirect(self, auth_req, error, description):
        resp = AuthorizationErrorResponse(error=error, error_description=description)
        if "state" in auth_req:
            resp["state"] = auth_req["state"]
        self.redirect(resp.request(auth_req["redirect_uri"], should_fragment_encode(auth_req)))

    def login_page(self, status, auth_req, raw, error=""):
        page = LOGIN_PAGE.format(
            client_id=html.escape(auth_req["client_id"]),
            scope=html.escape(" ".join(auth_req["scope"])),
            error='<p id="error" style="color:red">%s</p>' % html.escape(error) if error else "",
            action=html.escape(self.tp.prefix + "/authorize"),
            auth_request=html.escape(raw, quote=True))
        self.send(status, page, "text/html; charset=utf-8")

    def authorize(self, method):
        form = {}
        if method == "POST":
            form = dict(parse_qsl(self.body(), keep_blank_values=True))
        if "auth_request" in form:
            raw = form["auth_request"]          # the login form being submitted
        elif method == "POST":
            raw = urlencode(form)               # authorization request sent by POST
            form = {}
        else:
            raw = self.query()
        auth_req, ok = self.parse_auth_request(raw)
        if not ok:
            return
        if "none" in auth_req.get("prompt", []):
            # There is no provider-side session: a silent request can never succeed.
            return self.error_redirect(auth_req, "login_required", "no session at the provider")
        if "auth_request" not in form:
            return self.login_page(200, auth_req, raw)
        if form.get("action") == "deny":
            return self.error_redirect(auth_req, "access_denied", "the user cancelled the sign-in")
        user = USERS.get(form.get("username", ""))
        if user is None or form.get("password") != user["password"]:
            return self.login_page(401, auth_req, raw, "Invalid username or password.")
        with self.tp.lock:
            resp = self.tp.op.authorize(auth_req, form["username"])
        self.redirect(resp.request(auth_req["redirect_uri"], should_fragment_encode(auth_req)))

    # ---- token endpoint

    def token(self):
        raw = self.body()
        params = parse_qsl(raw, keep_blank_values=True)
        d = dict(params)
        headers = {}
        auth = self.headers.get("Authorization")
        unauthorized = {"WWW-Authenticate": 'Basic realm="berth-oidc-test"'}
        if auth:
            scheme, _, cred = auth.partition(" ")
            if scheme.lower() != "basic":
                return self.send_json(401, {"error": "invalid_client",
                                            "error_description": "only Basic client auth"}, unauthorized)
            try:
                decoded = base64.b64decode(pad(cred.strip()), altchars=b"-_").decode("utf-8")
            except Exception:
                decoded = ""
            if ":" not in decoded:
                return self.send_json(401, {"error": "invalid_client",
                                            "error_description": "malformed Basic credentials"}, unauthorized)
            cid, _, secret = decoded.partition(":")
            cid, secret = unquote(cid.replace("+", " ")), unquote(secret.replace("+", " "))
        elif "client_secret" in d:
            # client_secret_post: rewrite to Basic, the one method pyop accepts for a client.
            cid, secret = d.get("client_id", ""), d["client_secret"]
            params = [(k, v) for k, v in params if k != "client_secret"]
        else:
            return self.send_json(401, {"error": "invalid_client",
                                        "error_description": "client authentication required"}, unauthorized)
        # Canonical form for pyop: urlsafe base64 of percent-encoded id ":" secret.
        canon = "%s:%s" % (quote(cid, safe=""), quote(secret, safe=""))
        headers["Authorization"] = "Basic " + base64.urlsafe_b64encode(canon.encode()).decode()
        body = urlencode(params)
        grant = d.get("grant_type")
        try:
            with self.tp.lock:
                if grant == "authorization_code":
                    resp = self.tp.op.handle_token_request(body, headers,
                                                           extra_id_token_claims=self.tp.id_token_claims)
                else:
                    resp = self.tp.op.handle_token_request(body, headers)
                    if grant == "refresh_token" and not self.tp.args.no_refresh_id_token:
                        self.add_refreshed_id_token(resp)
        except InvalidClientAuthentication as e:
            return self.send_json(401, {"error": "invalid_client", "error_description": str(e)}, unauthorized)
        except OAuthError as e:
            error = e.oauth_error
            if str(e).startswith("Unexpected Code Verifier"):
                error = "invalid_grant"      # RFC 7636 4.6; pyop says invalid_request
            return self.send_json(400, {"error": error, "error_description": str(e)})
        self.send(200, resp.to_json())

    def add_refreshed_id_token(self, resp):
        """pyop's refresh grant returns no ID token; mint a fresh one as most providers do."""
        st = self.tp.op.authz_state
        at = resp["access_token"]
        info = st.access_tokens[at]
        sub = info["sub"]
        user_id = st.get_user_id_for_subject_identifier(sub)
        client_id = info["client_id"]
        resp["id_token"] = self.tp.op._create_signed_id_token(
            client_id, sub, None, None, None, at, self.tp.id_token_claims(user_id, client_id))

    # ---- userinfo endpoint

    def userinfo(self, method):
        raw = self.body() if method == "POST" else self.query()
        headers = {}
        if self.headers.get("Authorization"):
            headers["Authorization"] = self.headers["Authorization"]
        try:
            with self.tp.lock:
                resp = self.tp.op.handle_userinfo_request(raw, headers)
        except BearerTokenError as e:
            return self.send_json(401, {"error": "invalid_request", "error_description": str(e)},
                                  {"WWW-Authenticate": 'Bearer realm="berth-oidc-test"'})
        except OAuthError as e:
            return self.send_json(401, {"error": "invalid_token", "error_description": str(e)},
                                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        self.send(200, resp.to_json())

    # ---- /test/mint

    def mint(self):
        try:
            body = json.loads(self.body() or "{}")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            with self.tp.lock:
                out = self.tp.mint(body)
        except ValueError as e:
            return self.send_json(400, {"error": "invalid_request", "error_description": str(e)})
        self.send_json(200, out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: pick a free one)")
    p.add_argument("--issuer", help="issuer URL (default http://127.0.0.1:PORT); its path prefixes every endpoint")
    p.add_argument("--alg", choices=["RS256", "ES256"], default="RS256", help="ID token signing algorithm")
    p.add_argument("--id-token-seconds", type=int, default=300)
    p.add_argument("--access-token-seconds", type=int, default=3600)
    p.add_argument("--refresh-token-seconds", type=int, default=86400)
    p.add_argument("--redirect-uri", action="append",
                   help="extra exact redirect URI to accept (repeatable); "
                        "http://127.0.0.1:<any port>/c/oidc/callback is always accepted")
    p.add_argument("--require-pkce", action="store_true", help="reject authorization requests without PKCE")
    p.add_argument("--no-refresh-id-token", action="store_true",
                   help="refresh_token grant responses carry no id_token")
    p.add_argument("--groups-claim", default="groups", help="name of the groups claim")
    p.add_argument("--verbose", action="store_true", help="pyop debug logging on stderr")
    args = p.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.WARNING)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    issuer = args.issuer or "http://127.0.0.1:%d" % port
    Handler.tp = TestProvider(args, issuer)

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    print("READY %s" % Handler.tp.issuer, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
