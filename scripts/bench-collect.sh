#!/usr/bin/env bash
# Collection at organization scale against the lab, in one run:
#  - 5 and 50 background member accounts (+3 built-in), --regions all (17):
#    wall time, peak RSS, gaps, and the bound the LookupEvents quota sets
#    for the busiest account-region ((pages-1)/2 s at 2 requests/s);
#  - the same 50-account organization collected one unit after another
#    (--parallel 1), the way collectors that loop over accounts and regions
#    work.
# Usage: scripts/bench-collect.sh [--no-sequential]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/custody" ./cmd/custody
"$work/custody" keygen --no-passphrase "$work/k" >/dev/null

# measure LABEL ACCOUNTS PARALLEL: prints one result line.
measure() {
	local label=$1 accounts=$2 parallel=$3
	local log="$work/calls-$label.jsonl" out="$work/b-$label"
	"$work/custody" lab serve --accounts "$accounts" --addr 127.0.0.1:0 --call-log "$log" >"$work/env-$label" 2>/dev/null &
	local lab=$!
	for _ in $(seq 1 100); do [ -s "$work/env-$label" ] && break; sleep 0.1; done
	# shellcheck disable=SC1090
	( . "$work/env-$label"
	  python3 - "$work/custody" "$out" "$parallel" <<'PY'
import resource, subprocess, sys, time
custody, out, parallel = sys.argv[1:4]
t = time.monotonic()
subprocess.run([custody, "collect", "--case", "bench", "--org", "--regions", "all",
    "--since", "2026-11-01T00:00:00Z", "--until", "2026-11-22T00:00:00Z",
    "--sources", "cloudtrail.lookup,bedrock.config", "--parallel", parallel,
    "--key", out.rsplit("/", 1)[0] + "/k.key", "--out", out, "--quiet"], check=True)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.2f} {rss:.0f}")
PY
	) >"$work/m-$label"
	kill $lab; wait $lab 2>/dev/null || true
	python3 - "$label" "$log" "$work/m-$label" "$out" "$work/custody" <<'PY'
import collections, json, subprocess, sys
label, log, m, out, custody = sys.argv[1:6]
wall, rss = open(m).read().split()
pages = collections.Counter()
for line in open(log):
    c = json.loads(line)
    if c["operation"] == "LookupEvents" and c["status"] == 200:
        pages[(c["account"], c["region"])] += 1
(busiest, n), = pages.most_common(1)
bound = (n - 1) / 2
ins = json.loads(subprocess.run([custody, "inspect", "--json", out], check=True, capture_output=True).stdout)
print(f"{label:12} accounts={len(set(a for a, _ in pages)):3} account-regions={len(pages):4} events={ins['rows']['cloudtrail_events']:6} "
      f"calls={sum(1 for _ in open(log)):5} gaps={ins['gaps']} wall={float(wall):7.2f}s bound={bound:5.1f}s "
      f"wall/bound={float(wall)/bound:4.2f} peak_rss={rss}MiB busiest={busiest[0]}/{busiest[1]}:{n}pages")
print(f"{label} {wall} {rss} {bound}", file=open(m + ".raw", "w"))
PY
}

measure parallel-5 5 256
measure parallel-50 50 256
read -r _ w5 r5 _ <"$work/m-parallel-5.raw"
read -r _ w50 r50 _ <"$work/m-parallel-50.raw"
python3 -c "print(f'peak RSS 50 accounts / 5 accounts = {float($r50)/float($r5):.2f}')"
if [ "${1:-}" != "--no-sequential" ]; then
	measure sequential-50 50 1
	read -r _ ws _ _ <"$work/m-sequential-50.raw"
	python3 -c "print(f'sequential / parallel at 50 accounts = {float($ws)/float($w50):.1f}x')"
fi
