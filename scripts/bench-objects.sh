#!/usr/bin/env bash
# Collection of a large knowledge-base bucket against the lab, in one run:
#  - the lab serves a knowledge base over OBJECTS generated documents of
#    BYTES in all (custody lab serve --kb-objects --kb-bytes: content made
#    as it is sent, incompressible, nothing held in memory or on disk);
#  - reference: scripts/objectsref lists the bucket and GETs every version
#    through the SDK's S3 client, one at a time as custody reads a
#    location, discarding the bytes: the lab's own serving rate;
#  - custody collect --sources s3.objects (the knowledge bases lead
#    discovery to the bucket): wall time, bytes/s, objects/s, peak RSS;
#  - custody verify of the bundle;
#  - the ratio custody time / reference time.
# Usage: scripts/bench-objects.sh [OBJECTS] [BYTES]   (default 100000 10GiB;
#        BYTES is a number of bytes or ends in KiB, MiB or GiB)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
objects=${1:-100000}
size=${2:-10GiB}
bytes=$(python3 -c "
import re, sys
m = re.fullmatch(r'(\d+)(KiB|MiB|GiB)?', sys.argv[1]) or sys.exit('bench-objects: bad size ' + sys.argv[1])
print(int(m[1]) << {None: 0, 'KiB': 10, 'MiB': 20, 'GiB': 30}[m[2]])" "$size")
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-objects.XXXXXX")
lab=
cleanup() { [ -n "$lab" ] && kill "$lab" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The bundle holds the content as it came (it does not compress): room for
# it and a margin.
free=$(df -B1 --output=avail "$work" | tail -1)
need=$((bytes + bytes / 10 + (1 << 30)))
if [ "$free" -lt "$need" ]; then
	echo "bench-objects: $free bytes free under $work, need $need" >&2
	exit 1
fi

go build -o "$work/custody" ./cmd/custody
go build -o "$work/objectsref" ./scripts/objectsref
"$work/custody" keygen --no-passphrase "$work/k" >/dev/null

"$work/custody" lab serve --kb-objects "$objects" --kb-bytes "$bytes" --addr 127.0.0.1:0 >"$work/env" 2>"$work/lab.err" &
lab=$!
for _ in $(seq 1 100); do [ -s "$work/env" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
. "$work/env"
account=444455556666
bucket=genai-prod-kb-archive-$account

echo "corpus: $objects objects, $bytes bytes; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/objectsref" -bucket "$bucket" -prefix documents/ -concurrency 1 \
	-role "arn:aws:iam::$account:role/OrganizationAccountAccessRole" >"$work/ref"
read -r refobj refbytes refwall < <(sed 's/[a-z]*=//g' "$work/ref")
echo "reference GETs: $refobj objects, $refbytes bytes in ${refwall}s"

/usr/bin/time -v -o "$work/collect.time" "$work/custody" collect --case bench-objects \
	--accounts "$account" --regions us-east-1 --sources s3.objects \
	--key "$work/k.key" --out "$work/bundle" --quiet 2>"$work/collect.err" ||
	{ cat "$work/collect.err" >&2; exit 1; }
python3 - "$work/collect.time" "$work/ref" "$bytes" "$objects" "$work/bundle" <<'PY'
import os, re, sys
timef, reff, total, n, bundle = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
t = open(timef).read()
wall_s = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)[1]
wall = 0.0
for part in wall_s.split(":"):
    wall = wall * 60 + float(part)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)[1]) / 1024
ref = dict(kv.split("=") for kv in open(reff).read().split())
refwall = float(ref["wall"])
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(bundle) for f in fs)
MiB = 1 << 20
print(f"reference: {refwall:8.2f}s {total / refwall / MiB:7.1f} MiB/s {n / refwall:7.0f} objects/s")
print(f"custody:   {wall:8.2f}s {total / wall / MiB:7.1f} MiB/s {n / wall:7.0f} objects/s "
      f"peak_rss={rss:.0f}MiB bundle={size / MiB:.0f}MiB")
print(f"custody / reference time = {wall / refwall:.2f} (want <= 1.5); peak RSS {rss:.0f} MiB (want < 512)")
PY
/usr/bin/time -v -o "$work/verify.time" "$work/custody" verify --key "$work/k.pub" "$work/bundle" >"$work/verify.out" ||
	{ cat "$work/verify.out" >&2; echo "bench-objects: verify failed" >&2; exit 1; }
echo "verify: ok in $(grep -o 'Elapsed.*: .*' "$work/verify.time" | awk '{print $NF}'), peak RSS $(($(grep -o 'Maximum resident set size (kbytes): [0-9]*' "$work/verify.time" | awk '{print $NF}') / 1024)) MiB"
