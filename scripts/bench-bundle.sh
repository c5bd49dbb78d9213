#!/usr/bin/env bash
# Bundle benchmarks, each figure a ratio against a reference measured in the
# same run on the same machine (BENCHMARKS.md, "Bundle"):
#   - verify throughput on a bundle of large blobs vs SHA-256 of the same
#     files on every core (warm page cache), median of three alternations;
#     once each from a cold page cache; and on incompressible blobs;
#   - peak RSS of a subprocess writing, then verifying, that bundle;
#   - table writing (rows/s, bytes/row) vs pqarrow direct, and blobs vs raw
#     zstd, from the archive package's Go benchmarks.
#
#   scripts/bench-bundle.sh [GiB]     (default 4; needs GiB + 1 free on $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

gib=${1:-4}
timebin=/usr/bin/time # GNU time, for peak RSS: apt-get install time
[ -x "$timebin" ] || { echo "bench-bundle: $timebin missing (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
free_kib=$(df -Pk "$work" | awk 'NR==2 {print $4}')
need_kib=$(((gib + 1) * 1024 * 1024))
if [ "$free_kib" -lt "$need_kib" ]; then
	echo "bench-bundle: $((free_kib / 1024 / 1024)) GiB free in $work, a $gib GiB bundle needs $((need_kib / 1024 / 1024)); pass a smaller size" >&2
	exit 1
fi

go build -o "$work/bundlebench" ./scripts/bundlebench
bb=$work/bundlebench
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# field NAME LINE: the value of NAME=... in LINE
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
# rss FILE: peak RSS in MiB from GNU time -v output
rss() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }

echo
echo "== writing a $gib GiB bundle of 64 MiB blobs"
w=$("$timebin" -v -o "$work/write.time" "$bb" write -out "$work/b" -bytes $((gib << 30)) -blob-size $((64 << 20)) -key testdata/keys/ed25519.key)
echo "$w"
echo "write peak RSS: $(rss "$work/write.time") MiB"

# ratio BUNDLE: verify vs SHA-256 of the same files, three alternations
ratio() {
	local ratios=() i s v r
	for i in 1 2 3; do
		s=$("$bb" sha256 "$1")
		v=$("$timebin" -v -o "$work/verify.time" "$bb" verify -key testdata/keys/ed25519.pub "$1")
		r=$(awk -v a="$(field MBps "$v")" -v b="$(field MBps "$s")" 'BEGIN {printf "%.3f", a/b}')
		ratios+=("$r")
		echo "run $i: verify $(field MBps "$v") MB/s, sha256 $(field MBps "$s") MB/s, ratio $r, verify peak RSS $(rss "$work/verify.time") MiB"
	done
	echo "verify/sha256 median ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n 2p)"
}

echo
echo "== verify vs SHA-256 of the same files on $(nproc) cores, warm cache"
ratio "$work/b"

if [ -w /proc/sys/vm/drop_caches ]; then
	echo
	echo "== cold page cache (root only)"
	sync && echo 3 >/proc/sys/vm/drop_caches
	s=$("$bb" sha256 "$work/b")
	sync && echo 3 >/proc/sys/vm/drop_caches
	v=$("$bb" verify -key testdata/keys/ed25519.pub "$work/b")
	echo "cold: verify $(field MBps "$v") MB/s, sha256 $(field MBps "$s") MB/s"
fi
rm -rf "$work/b"

echo
echo "== the same on a 1 GiB bundle of incompressible 64 MiB blobs"
"$bb" write -random -out "$work/r" -bytes $((1 << 30)) -blob-size $((64 << 20)) -key testdata/keys/ed25519.key
ratio "$work/r"
rm -rf "$work/r"

echo
echo "== tables and blobs (go test -bench, medians of three)"
bundle_flag=()
if go run ./cmd/custody demo --quiet --out "$work/demo" >"$work/demo.log" 2>&1; then
	export CUSTODY_BENCH_BUNDLE=$work/demo # the lab's CloudTrail records
	echo "rows: the CloudTrail records of a demo bundle"
else
	echo "rows: generated (demo failed: $(tail -1 "$work/demo.log"))"
fi
go test -run '^$' -bench 'TableWrite|Blob' -benchtime 5x -count 3 ./archive/ | tee "$work/bench.txt" | grep Benchmark
awk '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "rows/s") rows[name] = rows[name] " " $i
			if ($(i+1) == "B/row") bpr[name] = $i
			if ($(i+1) == "MB/s") mbs[name] = mbs[name] " " $i
		}
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return a[int((n + 1) / 2)]
	}
	END {
		d = median(rows["BenchmarkTableWrite/pqarrow-direct"])
		for (k in rows) printf "%-36s %9.0f rows/s  %6.1f B/row  %.2f x pqarrow-direct\n", k, median(rows[k]), bpr[k], median(rows[k]) / d
		z = median(mbs["BenchmarkBlob/zstd-raw"])
		for (k in mbs) printf "%-36s %9.1f MB/s  %.2f x zstd-raw\n", k, median(mbs[k]), median(mbs[k]) / z
	}' "$work/bench.txt" | sort
