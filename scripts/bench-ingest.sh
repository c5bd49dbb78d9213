#!/usr/bin/env bash
# Ingest throughput against DuckDB, measured in the same run on the same
# machine (BENCHMARKS.md, "Ingest"): generated CloudTrail log files,
# gzipped in a trail bucket layout, sealed by `custody ingest` (every file
# a blob, every record a row, signed) and, as the reference, loaded by
# DuckDB (@duckdb/node-api, interop/duckdb) from the same files into one
# zstd Parquet file with the records' main columns. The figure is custody's
# records/s over DuckDB's, median of three alternations; then the bytes a
# record takes in custody's cloudtrail_events table and in DuckDB's file,
# and custody's peak RSS.
#
#   scripts/bench-ingest.sh [FILES] [RECORDS_PER_FILE]   (default 200 2500)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

files=${1:-200}
per=${2:-2500}
if [ ! -d interop/duckdb/node_modules/@duckdb/node-api ]; then
	echo "bench-ingest: interop/duckdb/node_modules missing; run: (cd interop/duckdb && npm install --no-save)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/custody" ./cmd/custody
go run ./scripts/ingestbench -out "$work/logs" -files "$files" -records "$per" >"$work/gen.out"
records=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' "$work/gen.out")
bytes=$(du -sb "$work/logs" | cut -f1)
key=testdata/keys/ed25519.key
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "input: $files files, $records records, $((bytes / 1024 / 1024)) MiB gzipped"

now() { date +%s.%N; }
custody_run() {
	rm -rf "$work/bundle"
	local t0 t1
	t0=$(now)
	/usr/bin/time -f %M -o "$work/rss" "$work/custody" ingest --case bench --key "$key" --out "$work/bundle" "$work/logs" 2>"$work/ingest.log"
	t1=$(now)
	cat "$work/rss" >>"$work/rss.all"
	echo "$t1 - $t0" | bc
}
duckdb_run() {
	rm -f "$work/duck.parquet"
	(cd interop/duckdb && node --input-type=module -e '
import { DuckDBInstance } from "@duckdb/node-api";
const [dir, out] = process.argv.slice(1);
const db = await (await DuckDBInstance.create(":memory:")).connect();
const t0 = performance.now();
await db.run(`COPY (
  SELECT r->>'"'"'eventID'"'"' AS event_id, (r->>'"'"'eventTime'"'"')::TIMESTAMP AS event_time,
         r->>'"'"'eventSource'"'"' AS event_source, r->>'"'"'eventName'"'"' AS event_name,
         r->>'"'"'awsRegion'"'"' AS aws_region, r->>'"'"'recipientAccountId'"'"' AS account,
         r->'"'"'userIdentity'"'"'->>'"'"'arn'"'"' AS user_arn, r->>'"'"'requestParameters'"'"' AS request_parameters,
         r::VARCHAR AS raw
  FROM (SELECT unnest(Records) AS r FROM read_json('"'"'${dir}/**/*.json.gz'"'"', columns = {Records: '"'"'JSON[]'"'"'}, maximum_object_size = 1073741824))
) TO '"'"'${out}'"'"' (FORMAT parquet, COMPRESSION zstd)`);
console.log(((performance.now() - t0) / 1000).toFixed(3));
' "$work/logs" "$work/duck.parquet")
}

cs=() ds=()
for i in 1 2 3; do
	cs+=("$(custody_run)")
	ds+=("$(duckdb_run)")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
c=$(median "${cs[@]}")
d=$(median "${ds[@]}")
rows=$(sed -n 's/.*: \([0-9]*\) rows.*/\1/p' "$work/ingest.log")
echo "custody ingest: ${cs[*]} s (median $c), $rows rows"
echo "duckdb:         ${ds[*]} s (median $d)"
echo "custody records/s: $(echo "$records / $c" | bc)"
echo "duckdb records/s:  $(echo "$records / $d" | bc)"
echo "ratio custody/duckdb throughput: $(echo "scale=2; $d / $c" | bc)"
cbytes=$(find "$work/bundle/tables/cloudtrail_events" -name '*.parquet' -printf '%s\n' | paste -sd+ | bc)
dbytes=$(stat -c %s "$work/duck.parquet")
echo "cloudtrail_events bytes/record: custody $(echo "scale=1; $cbytes / $rows" | bc), duckdb $(echo "scale=1; $dbytes / $records" | bc)"
echo "custody peak RSS: $(sort -n "$work/rss.all" | tail -1 | awk '{printf "%.0f MiB", $1 / 1024}') (runs: $(paste -sd' ' "$work/rss.all") KiB)"
