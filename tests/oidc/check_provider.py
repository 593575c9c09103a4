#!/usr/bin/env python3
"""End-to-end self-check of tests/oidc/provider.py (loopback only).

Run with the interpreter that has provider.py's requirements (pyop pulls requests and
cryptography too): python3 tests/oidc/check_provider.py
"""
import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
CB = "http://127.0.0.1:%d/c/oidc/callback"  # nothing listens there: Location is captured
PASSED, FAILED = [], []


def check(name, cond, detail=""):
    (PASSED if cond else FAILED).append(name)
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, "" if cond else "  " + str(detail)))


def start(*args):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "provider.py")] + list(args),
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    assert line.startswith("READY "), line
    return p, line.split(" ", 1)[1]


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(tok):
    h, p, s = tok.split(".")
    return json.loads(b64d(h)), json.loads(b64d(p)), s


def public_keys(jwks):
    keys = {}
    for k in jwks["keys"]:
        if k["kty"] == "RSA":
            n, e = (int.from_bytes(b64d(k[x]), "big") for x in ("n", "e"))
            keys[k["kid"]] = rsa.RSAPublicNumbers(e, n).public_key()
        else:
            x, y = (int.from_bytes(b64d(k[c]), "big") for c in ("x", "y"))
            keys[k["kid"]] = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    return keys


def verify(tok, keys):
    """True when tok's signature verifies with the JWKS key named by its kid."""
    h, _, s = jwt_parts(tok)
    key = keys.get(h.get("kid"))
    if key is None or h["alg"] not in ("RS256", "ES256"):
        return False
    signed = tok.rsplit(".", 1)[0].encode()
    sig = b64d(s)
    try:
        if h["alg"] == "RS256":
            key.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        else:
            if len(sig) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.cur = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"id": a.get("id"), "action": a.get("action"), "fields": {}}
            self.forms.append(self.cur)
        elif tag == "input" and self.cur is not None and a.get("name"):
            self.cur["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None


def login(s, auth_url, params, user, password, form_id="login"):
    """GET the authorization endpoint, submit the form; returns the POST response (no redirects)."""
    r = s.get(auth_url, params=params, allow_redirects=False)
    if r.status_code != 200:
        return r
    fp = FormParser()
    fp.feed(r.text)
    form = [f for f in fp.forms if f["id"] == form_id][0]
    fields = dict(form["fields"])
    if form_id == "login":
        fields.update(username=user, password=password)
    return s.post(urljoin(r.url, form["action"]), data=fields, allow_redirects=False)


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def code_flow(s, disc, cb, user="alice", password="Alice-Oidc-1", scope="openid profile email groups offline_access"):
    verifier, challenge = pkce()
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    r = login(s, disc["authorization_endpoint"], {
        "response_type": "code", "client_id": "berth", "redirect_uri": cb, "scope": scope,
        "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"},
        user, password)
    q = parse_qs(urlparse(r.headers.get("Location", "")).query)
    return r, q, verifier, state, nonce


def main():
    procs = []
    try:
        p, iss = start("--port", "0", "--id-token-seconds", "300")
        procs.append(p)
        s = requests.Session()
        disc = s.get(iss + "/.well-known/openid-configuration").json()
        check("discovery issuer", disc["issuer"] == iss, disc.get("issuer"))
        for k in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
            check("discovery " + k, disc.get(k, "").startswith(iss + "/"), disc.get(k))
        check("discovery S256", disc.get("code_challenge_methods_supported") == ["S256"])
        keys = public_keys(s.get(disc["jwks_uri"]).json())
        check("jwks has one RSA key", len(keys) == 1)
        cb = CB % 40123

        # ---- authorization code + PKCE, client_secret_basic
        r, q, verifier, state, nonce = code_flow(s, disc, cb)
        check("login redirects 302", r.status_code == 302, r.status_code)
        check("redirect goes to callback", r.headers.get("Location", "").startswith(cb + "?"), r.headers.get("Location"))
        check("state echoed", q.get("state") == [state], q)
        code = q["code"][0]
        tok = s.post(disc["token_endpoint"], auth=("berth", "berth-secret"), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": cb, "code_verifier": verifier})
        check("token exchange 200", tok.status_code == 200, tok.text)
        tj = tok.json()
        idt = tj["id_token"]
        h, c, _ = jwt_parts(idt)
        check("id token RS256 signature verifies against JWKS", verify(idt, keys) and h["alg"] == "RS256", h)
        check("id token iss/aud", c["iss"] == iss and c["aud"] in ("berth", ["berth"]), c)
        check("id token nonce echoed", c.get("nonce") == nonce, c)
        check("id token claims", c["sub"] == "oidc-sub-alice" and c["email"] == "alice@oidc.test"
              and c["name"] == "Alice" and c["preferred_username"] == "alice"
              and c["groups"] == ["developers", "team-a"], c)
        check("id token lifetime 300", c["exp"] - c["iat"] == 300, c)
        check("refresh token issued", "refresh_token" in tj, tj)
        replay = s.post(disc["token_endpoint"], auth=("berth", "berth-secret"), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": cb, "code_verifier": verifier})
        check("code replay rejected invalid_grant", replay.status_code == 400 and replay.json()["error"] == "invalid_grant", replay.text)

        ui = s.get(disc["userinfo_endpoint"], headers={"Authorization": "Bearer " + tj["access_token"]})
        check("userinfo", ui.status_code == 200 and ui.json().get("sub") == "oidc-sub-alice"
              and ui.json().get("groups") == ["developers", "team-a"] and ui.json().get("email") == "alice@oidc.test", ui.text)
        bad = s.get(disc["userinfo_endpoint"], headers={"Authorization": "Bearer nope"})
        check("userinfo bad token 401", bad.status_code == 401, bad.text)

        ref = s.post(disc["token_endpoint"], auth=("berth", "berth-secret"), data={
            "grant_type": "refresh_token", "refresh_token": tj["refresh_token"]})
        check("refresh grant 200", ref.status_code == 200, ref.text)
        rj = ref.json()
        check("refresh gives new access token", rj.get("access_token") not in (None, tj["access_token"]), rj)
        check("refresh id token verifies, same sub, no nonce",
              "id_token" in rj and verify(rj["id_token"], keys) and jwt_parts(rj["id_token"])[1]["sub"] == "oidc-sub-alice"
              and "nonce" not in jwt_parts(rj["id_token"])[1], rj)
        ui2 = s.get(disc["userinfo_endpoint"], headers={"Authorization": "Bearer " + rj["access_token"]})
        check("userinfo with refreshed access token", ui2.status_code == 200, ui2.text)

        # ---- client_secret_post, bob, PKCE failures
        r, q, verifier, state, nonce = code_flow(s, disc, cb, "bob", "Bob-Oidc-2", "openid")
        wrong = s.post(disc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb,
            "client_id": "berth", "client_secret": "berth-secret", "code_verifier": "x" * 50})
        check("wrong PKCE verifier rejected", wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text)
        missing = s.post(disc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb,
            "client_id": "berth", "client_secret": "berth-secret"})
        check("missing PKCE verifier rejected", missing.status_code == 400, missing.text)
        badsecret = s.post(disc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb, "code_verifier": verifier,
            "client_id": "berth", "client_secret": "wrong"})
        check("wrong client secret 401", badsecret.status_code == 401 and badsecret.json()["error"] == "invalid_client", badsecret.text)
        noauth = s.post(disc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb, "code_verifier": verifier,
            "client_id": "berth"})
        check("no client auth 401", noauth.status_code == 401, noauth.text)
        post = s.post(disc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb, "code_verifier": verifier,
            "client_id": "berth", "client_secret": "berth-secret"})
        check("client_secret_post works (after failed attempts)", post.status_code == 200, post.text)
        bc = jwt_parts(post.json()["id_token"])[1]
        check("bob claims (groups always in id token)", bc["preferred_username"] == "bob" and bc["groups"] == ["developers"], bc)
        ub = s.get(disc["userinfo_endpoint"], headers={"Authorization": "Bearer " + post.json()["access_token"]}).json()
        check("userinfo with scope openid only carries sub", set(ub) == {"sub"}, ub)

        # ---- authorization endpoint negatives
        base = {"response_type": "code", "client_id": "berth", "scope": "openid", "state": "st"}
        r = s.get(disc["authorization_endpoint"], params=dict(base, redirect_uri="http://evil.test/c/oidc/callback"), allow_redirects=False)
        check("foreign redirect_uri: 400, no redirect", r.status_code == 400 and "Location" not in r.headers, r.status_code)
        r = s.get(disc["authorization_endpoint"], params=dict(base, redirect_uri=(CB % 1) + "x"), allow_redirects=False)
        check("callback path must match", r.status_code == 400, r.status_code)
        r = s.get(disc["authorization_endpoint"], params=dict(base, client_id="other", redirect_uri=cb), allow_redirects=False)
        check("unknown client 400", r.status_code == 400, r.status_code)
        r = s.get(disc["authorization_endpoint"], params=dict(base, scope="profile", redirect_uri=cb), allow_redirects=False)
        check("no openid scope -> error redirect", r.status_code == 302 and "error=" in r.headers["Location"], r.headers)
        r = s.get(disc["authorization_endpoint"], params=dict(base, redirect_uri=cb, code_challenge="a" * 43,
                                                               code_challenge_method="plain"), allow_redirects=False)
        check("PKCE plain refused", r.status_code == 302 and "error=invalid_request" in r.headers["Location"], r.headers)
        r = s.get(disc["authorization_endpoint"], params=dict(base, redirect_uri=cb, prompt="none"), allow_redirects=False)
        check("prompt=none -> login_required", r.status_code == 302 and "error=login_required" in r.headers["Location"], r.headers)
        r = login(s, disc["authorization_endpoint"], dict(base, redirect_uri=cb), "carol", "wrong")
        check("wrong password: 401 form again", r.status_code == 401 and 'name="username"' in r.text, r.status_code)
        r = login(s, disc["authorization_endpoint"], dict(base, redirect_uri=cb), None, None, form_id="deny")
        check("cancel -> access_denied with state", r.status_code == 302 and "error=access_denied" in r.headers["Location"]
              and "state=st" in r.headers["Location"], r.headers)
        r = login(s, disc["authorization_endpoint"], dict(base, redirect_uri=cb), "carol", "Carol-Oidc-3")
        check("carol login, no PKCE, no nonce", r.status_code == 302 and "code=" in r.headers["Location"], r.headers)

        # ---- /test/mint
        m = s.post(iss + "/test/mint", json={}).json()
        check("mint default verifies", verify(m["id_token"], keys) and m["claims"]["aud"] == ["berth"], m)
        m = s.post(iss + "/test/mint", json={"claims": {"aud": "someone-else", "iss": "http://127.0.0.1:1"}, "user": "bob"}).json()
        check("mint overrides", m["claims"]["aud"] == "someone-else" and m["claims"]["sub"] == "oidc-sub-bob" and verify(m["id_token"], keys), m)
        m = s.post(iss + "/test/mint", json={"expires_in": -60}).json()
        check("mint expired", m["claims"]["exp"] < time.time(), m)
        m = s.post(iss + "/test/mint", json={"sign_with": "other-key"}).json()
        check("mint other-key does not verify", not verify(m["id_token"], keys) and m["header"]["kid"] == "other-rs256-key", m)
        provider_kid = list(keys)[0]
        m = s.post(iss + "/test/mint", json={"sign_with": "other-key", "kid": provider_kid}).json()
        check("mint other-key with provider kid does not verify", m["header"]["kid"] == provider_kid and not verify(m["id_token"], keys), m)
        m = s.post(iss + "/test/mint", json={"sign_with": "other-key", "alg": "ES256"}).json()
        check("mint other-key ES256", m["header"]["alg"] == "ES256" and not verify(m["id_token"], keys), m)
        m = s.post(iss + "/test/mint", json={"alg": "none"}).json()
        check("mint alg none", m["id_token"].endswith(".") and m["header"]["alg"] == "none", m)
        m = s.post(iss + "/test/mint", json={"claims": {"groups": None, "email": None}})
        check("mint removes claims", m.status_code == 200 and "groups" not in m.json()["claims"], m.text)
        m = s.post(iss + "/test/mint", json={"alg": "ES256"})
        check("mint provider ES256 on RS256 provider -> 400", m.status_code == 400, m.text)

        # ---- ES256 provider, 1 s ID tokens, refresh outlives them, issuer with a path
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        p2, iss2 = start("--port", str(port), "--issuer", "http://127.0.0.1:%d/realms/berth" % port,
                         "--alg", "ES256", "--id-token-seconds", "1", "--require-pkce")
        procs.append(p2)
        disc2 = s.get(iss2 + "/.well-known/openid-configuration").json()
        check("issuer with path", disc2["issuer"] == iss2 and disc2["token_endpoint"] == iss2 + "/token"
              and disc2["id_token_signing_alg_values_supported"] == ["ES256"], disc2)
        keys2 = public_keys(s.get(disc2["jwks_uri"]).json())
        r = s.get(disc2["authorization_endpoint"], params=dict(base, redirect_uri=cb), allow_redirects=False)
        check("--require-pkce refuses request without PKCE", r.status_code == 302 and "error=invalid_request" in r.headers["Location"], r.headers)
        r, q, verifier, state, nonce = code_flow(s, disc2, cb)
        tj2 = s.post(disc2["token_endpoint"], auth=("berth", "berth-secret"), data={
            "grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": cb, "code_verifier": verifier}).json()
        h2, c2, _ = jwt_parts(tj2["id_token"])
        check("ES256 id token verifies", h2["alg"] == "ES256" and verify(tj2["id_token"], keys2) and c2["iss"] == iss2, (h2, c2))
        time.sleep(2.1)
        check("ES256 id token has expired", c2["exp"] < time.time(), c2)
        ref2 = s.post(disc2["token_endpoint"], auth=("berth", "berth-secret"), data={
            "grant_type": "refresh_token", "refresh_token": tj2["refresh_token"]})
        check("refresh after id token expiry", ref2.status_code == 200 and jwt_parts(ref2.json()["id_token"])[1]["exp"] > time.time()
              and verify(ref2.json()["id_token"], keys2), ref2.text)
        n_ok = sum(verify(s.post(iss2 + "/test/mint", json={"claims": {"jti": str(i)}}).json()["id_token"], keys2) for i in range(100))
        check("100 ES256 provider signatures verify with cryptography", n_ok == 100, n_ok)
    finally:
        for p in procs:
            p.terminate()
            p.wait(5)
    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
