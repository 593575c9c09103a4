# Shared helpers for scripts/test and bench/run. Source it; do not run it.

# Debian packages the tests and benchmarks use: real clients and peers.
# The build itself needs nothing beyond a fresh machine (tests/build checks it). Scanner tests:
# rpm, zip, unzip, binutils, zstd. The portal's tests: chromium, chromium-driver (with Selenium).
BERTH_APT_PACKAGES="skopeo podman umoci docker-registry postgresql curl wrk rpm zip unzip binutils zstd chromium chromium-driver slapd ldap-utils"

install_test_dependencies() {
    local missing=()
    for pkg in $BERTH_APT_PACKAGES; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    python3 -m pip install -q --disable-pip-version-check oras pytest requests aiohttp jsonschema pyyaml bcrypt cryptography selenium 'moto[server]' kubernetes-validate \
        pyop==3.5.0 oic==1.7.0 pyjwkest==1.4.4 pycryptodomex==3.24.2 2>&1 | grep -v "WARNING: Running pip as the 'root'" || true
}

# Starts a throwaway PostgreSQL cluster on a free loopback port; sets PG_DIR and BERTH_TEST_POSTGRES_URL.
# BERTH_PG_EXTRA_OPTIONS adds server options (the benchmarks load pg_stat_statements).
start_postgres() {
    local port=${1:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    PG_DIR=$(mktemp -d /tmp/berth-pg.XXXXXX)
    chown postgres "$PG_DIR"
    runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=2500 ${BERTH_PG_EXTRA_OPTIONS:-}" start >/dev/null
    PG_BIN=$bin
    BERTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    export BERTH_TEST_POSTGRES_URL
}

# Starts moto's S3-compatible server on a free loopback port; sets BERTH_TEST_S3_URL.
start_s3() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    S3_LOG=$(mktemp /tmp/berth-moto.XXXXXX)
    moto_server -H 127.0.0.1 -p "$port" >"$S3_LOG" 2>&1 &
    S3_PID=$!
    BERTH_TEST_S3_URL="http://127.0.0.1:$port"
    export BERTH_TEST_S3_URL
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$BERTH_TEST_S3_URL" && return 0
        sleep 0.1
    done
    echo "moto_server did not start:" >&2
    cat "$S3_LOG" >&2
    return 1
}

stop_s3() {
    [ -n "${S3_PID:-}" ] || return 0
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    rm -f "$S3_LOG"
    S3_PID=
}

stop_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}

# Runs the built Swift tests (`swift test --skip-build`, extra arguments passed on) with a watchdog.
# The PostgreSQL run has once stalled with every task waiting and no connection open (issue notes,
# 2026-12-07): rather than letting CI wait for its hour, a run that exceeds
# BERTH_TEST_TIMEOUT_SECONDS (default 720; a normal run takes 2-4 minutes) is killed, the tests that never finished are named, and the
# run is made once more. A second stall, or any failure, fails the script.
run_swift_tests() {
    local label=$1 log attempt status
    shift
    for attempt in 1 2; do
        log=$(mktemp /tmp/berth-swift-test.XXXXXX)
        status=0
        rm -f "${TMPDIR:-/tmp}"/berth-test-phases-*.txt
        timeout -k 15 "${BERTH_TEST_TIMEOUT_SECONDS:-720}" swift test --skip-build "$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
        if [ "$status" -ne 124 ] && [ "$status" -ne 137 ]; then
            rm -f "$log"
            return "$status"
        fi
        pkill -9 -f "$PWD/.build/.*PackageTests.xctest" 2>/dev/null || true
        echo "!! $label: the Swift tests stalled (attempt $attempt); tests that started and never ended:" >&2
        comm -23 <(grep -o '◇ Test [A-Za-z0-9_]*()' "$log" | sed 's/◇ Test //' | sort) \
                 <(grep -oE '(✔|✘) Test [A-Za-z0-9_]*\(\)' "$log" | sed -E 's/(✔|✘) Test //' | sort) >&2 || true
        # Where each of them stood (BerthTestSupport's TestPhases writes this every 5 s).
        cat "${TMPDIR:-/tmp}"/berth-test-phases-*.txt >&2 2>/dev/null || true
        rm -f "$log"
    done
    return 1
}

# The fuzz targets (docs/reliability.md, "Fuzzing"): every seed replayed by the ordinary build,
# then each target built with libFuzzer (in .build-fuzz) and run for BERTH_FUZZ_SECONDS (default 5).
# A crash, broken property, hang or memory blow-up fails the run; the input is in fuzz/artifacts.
run_fuzz_targets() {
    bench/fuzz --replay
    FUZZ_SECONDS="${BERTH_FUZZ_SECONDS:-5}" bench/fuzz
}
