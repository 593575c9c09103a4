#!/usr/bin/env bash
# Scan throughput against the physical limit: builds berth (release), assembles a
# multi-layer image of a few hundred MB from this machine's files with umoci, then times
#   1. zcat of every layer blob (decompression only: the floor any scanner pays), and
#   2. berth scan over the same image (decompress + tar + analyzers + matching),
# and reports MB/s of uncompressed layer data for both. Needs root (umoci), umoci, python3.
# Usage: bench/scan_bench.sh [WORKDIR]   (BENCH_SOURCES overrides the copied directories)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/berth-scan-bench}"
sources="${BENCH_SOURCES:-/usr/lib/x86_64-linux-gnu /usr/share/doc /usr/lib/python3 /usr/bin /var/lib/dpkg}"

echo "== building berth (release)" >&2
(cd "$here" && swift build -c release --product berth >&2)
bin="$(cd "$here" && swift build -c release --show-bin-path)/berth"

if [ ! -f "$work/layout/index.json" ]; then
    echo "== assembling image in $work" >&2
    rm -rf "$work" && mkdir -p "$work"
    umoci init --layout "$work/layout"
    umoci new --image "$work/layout:bench"
    n=0
    for src in $sources; do
        umoci unpack --image "$work/layout:bench" "$work/bundle$n" >/dev/null
        mkdir -p "$work/bundle$n/rootfs$(dirname "$src")"
        cp -a "$src" "$work/bundle$n/rootfs$(dirname "$src")/"
        [ "$src" = /var/lib/dpkg ] && cp -a /usr/lib/os-release "$work/bundle$n/rootfs/usr/lib/" 2>/dev/null || true
        umoci repack --image "$work/layout:bench" "$work/bundle$n"
        rm -rf "$work/bundle$n"
        n=$((n + 1))
    done
fi

layers=$(python3 - "$work/layout" <<'PY'
import json, sys
root = sys.argv[1]
index = json.load(open(f"{root}/index.json"))
digest = [m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "bench"][0]["digest"]
manifest = json.load(open(f"{root}/blobs/sha256/{digest.split(':')[1]}"))
print(" ".join(f"{root}/blobs/sha256/{l['digest'].split(':')[1]}" for l in manifest["layers"]))
PY
)
compressed=$(du -cb $layers | tail -1 | cut -f1)
uncompressed=$(for l in $layers; do zcat "$l"; done | wc -c)
cat $layers > /dev/null  # warm the page cache for both runs

now() { date +%s.%N; }
t0=$(now); for l in $layers; do zcat "$l"; done > /dev/null; t1=$(now)
"$bin" scan --vulndb "$here/../shared/vulndb" "oci:$work/layout:bench" > "$work/report.json" 2> "$work/scan.log" || { cat "$work/scan.log" >&2; exit 1; }
t2=$(now); "$bin" scan --vulndb "$here/../shared/vulndb" "oci:$work/layout:bench" > "$work/report.json" 2> "$work/scan.log"; t3=$(now)

python3 - "$compressed" "$uncompressed" "$t0" "$t1" "$t2" "$t3" "$work/scan.log" <<'PY'
import sys
c, u, t0, t1, t2, t3 = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:7])
mb = u / 1e6
print(f"layers: {c/1e6:.0f} MB compressed, {mb:.0f} MB uncompressed")
print(f"zcat:        {t1-t0:6.2f} s  {mb/(t1-t0):7.1f} MB/s")
print(f"berth-scan:  {t3-t2:6.2f} s  {mb/(t3-t2):7.1f} MB/s  ({(t1-t0)/(t3-t2)*100:.0f}% of zcat)")
print(open(sys.argv[7]).read().strip().splitlines()[-1])
PY
