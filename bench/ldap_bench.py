"""Token issuance for an LDAP user in 51 groups (issue 13's targets): the first sign-in, which
asks the directory (search, the user's bind, the group search) and records the user and groups,
and then token requests answered from the sign-in cache. Against the local slapd of
scripts/ldap-test-server (tests/ldap/berth.ldif: alice is in developers and team-01..team-50).

Each first sign-in is measured on a fresh Berth (restarted, cache empty), the cached ones as
sequential requests from one client, so the numbers are latencies, not throughput.
"""
import argparse
import base64
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from registry_bench import start_berth  # noqa: E402

SCOPE = "repository:team/app:pull,push"


def configure(server):
    base = os.environ["BERTH_TEST_LDAP_BASE_DN"]
    api = f"{server.url}/api/v2.0"
    settings = {
        "auth_mode": "ldap_auth", "ldap_url": os.environ["BERTH_TEST_LDAP_URL"],
        "ldap_search_dn": os.environ["BERTH_TEST_LDAP_ADMIN_DN"], "ldap_search_password": os.environ["BERTH_TEST_LDAP_ADMIN_PASSWORD"],
        "ldap_base_dn": f"ou=people,{base}", "ldap_uid": "uid", "ldap_filter": "(objectClass=inetOrgPerson)",
        "ldap_group_base_dn": f"ou=groups,{base}", "ldap_group_search_filter": "(objectClass=groupOfNames)",
    }
    assert requests.put(f"{api}/configurations", auth=server.auth, json=settings).status_code == 200
    if requests.get(f"{api}/projects/team", auth=server.auth).status_code == 404:
        assert requests.post(f"{api}/projects", auth=server.auth, json={"project_name": "team"}).status_code == 201
        assert requests.post(f"{api}/projects/team/members", auth=server.auth, json={
            "role_id": 2, "member_group": {"ldap_group_dn": f"cn=team-50,ou=groups,{base}"}}).status_code == 201


ALICE = ("alice", "Alice-Passw0rd1")


def token(session, url):
    started = time.perf_counter()
    response = session.get(f"{url}/service/token", params={"service": "harbor-registry", "scope": SCOPE}, auth=ALICE)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    payload = response.json()["token"].split(".")[1]
    actions = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["access"][0]["actions"]
    assert sorted(actions) == ["pull", "push"], actions
    return elapsed


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--first-logins", type=int, default=10)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="berth-bench-ldap-")
    first, cached = [], []
    try:
        for round_ in range(args.first_logins):
            # The same data directory each round: a restart empties the cache, not the database.
            server = start_berth(args.berth, root)
            try:
                configure(server)
                session = requests.Session()
                # The connection is opened first (anonymously), so the first measure is the sign-in, not TCP.
                assert session.get(f"{server.url}/api/v2.0/systeminfo").status_code == 200
                first.append(token(session, server.url))
                if round_ == args.first_logins - 1:
                    for _ in range(200):
                        token(session, server.url)
                    cached = [token(session, server.url) for _ in range(args.requests)]
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results = {
        "user_groups": 51, "first_sign_ins": len(first),
        "first_sign_in_ms": {"median": round(statistics.median(first), 2), "max": round(max(first), 2)},
        "cached_token_requests": len(cached),
        "cached_token_ms": {"p50": round(percentile(cached, 50), 2), "p99": round(percentile(cached, 99), 2),
                            "max": round(max(cached), 2)},
    }
    print(json.dumps(results, indent=2))
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "ldap.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
