#!/usr/bin/env bash
# custody report over a large bundle of CloudTrail events, against the
# same bundle's verification measured in the same run (both read every
# byte; the report also decodes every row and runs every rule).
# Usage: scripts/bench-report.sh [EVENTS]   (default 5,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
events=${1:-5000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/custody" ./cmd/custody
go build -o "$work/benchbundle" ./scripts/benchbundle
python3 - "$work" "$events" <<'PY'
import os, subprocess, sys, time
work, events = sys.argv[1:3]
def timed(args):
    # wait4 gives this child's own peak RSS, not the largest of all children.
    t = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"{args[0]} failed: status {status}")
    return time.monotonic() - t, ru.ru_maxrss / 1024
w, wr = timed([f"{work}/benchbundle", "-events", events, "-out", f"{work}/b", "-key", f"{work}/k"])
v, vr = timed([f"{work}/custody", "verify", "--key", f"{work}/k.pub", f"{work}/b"])
r, rr = timed([f"{work}/custody", "report", "--key", f"{work}/k.pub", "--format", "json", "--out", f"{work}/r.json", f"{work}/b"])
size = int(subprocess.run(["du", "-sb", f"{work}/b"], capture_output=True, text=True).stdout.split()[0])
print(f"events={int(events):,} bundle={size/2**20:.0f}MiB write={w:.1f}s verify={v:.1f}s report={r:.1f}s "
      f"report/verify={r/v:.2f} peak_rss: write={wr:.0f}MiB verify={vr:.0f}MiB report={rr:.0f}MiB")
PY
