"""The short version of bench/soak (issue 14, section 5): 100 concurrent clients for 8 seconds of
mixed pulls, pushes and listings, on SQLite and on PostgreSQL: no errors, and the server's file
descriptors and database operations back to their idle counts once the clients have gone."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from soak_bench import run_soak  # noqa: E402


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_short_soak_has_no_errors_and_gives_back_what_it_took(berth_binary, database, request):
    database_url = request.getfixturevalue("postgres_database") if database == "postgres" else None
    report = run_soak(berth_binary, clients=100, seconds=8, database_url=database_url)
    failing = {name: o["error_examples"] for name, o in report["operations"].items() if o["errors"]}
    assert report["errors"] == 0, failing
    # Every kind of operation ran, pushes included.
    assert all(o["count"] > 0 for o in report["operations"].values()) and len(report["operations"]) == 7, report["operations"]
    assert report["idle_after"]["descriptors"] <= report["idle_before"]["descriptors"], report
    assert report["idle_after"]["database_operations"] == 0, report
