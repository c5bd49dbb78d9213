#!/usr/bin/env bash
# What DuckDB's JSON reader does to CloudTrail log files that custody must
# not, shown on two small files, and custody's ingest of the same files:
#  1. schema inference fails on a key first seen after its sample
#     (sample_size, maximum_sample_files);
#  2. an explicit schema drops unknown keys without a word;
#  3. values come back re-encoded: "caf\u00e9" as "café", 1.50 as 1.5.
# custody ingest keeps every record byte for byte (inspect --record prints
# it back), whatever keys it holds; the script fails if it does not. What
# DuckDB does is reported, not asserted: another version may do better.
# Usage: scripts/duckdb-pitfalls.sh (needs node and interop/duckdb's package)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/logs"
rec1='{"eventVersion":"1.11","eventTime":"2026-11-16T10:00:00Z","eventSource":"bedrock.amazonaws.com","eventName":"CreateGuardrail","eventID":"p-1","recipientAccountId":"111122223333","requestParameters":{"name":"caf\u00e9","blockedInputMessaging":"x","price":1.50}}'
rec2='{"eventVersion":"1.11","eventTime":"2026-11-16T10:01:00Z","eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","eventID":"p-2","recipientAccountId":"111122223333","newTopLevelKey":{"seen":"only here"}}'
printf '{"Records":[%s]}\n' "$rec1" >"$work/logs/a.json"
printf '{"Records":[%s]}\n' "$rec2" >"$work/logs/b.json"

echo "DuckDB ($(cd interop/duckdb && node -p 'require("@duckdb/node-api/package.json").version')):"
(cd interop/duckdb && node --input-type=module - "$work/logs/a.json" "$work/logs/b.json" <<'JS'
import { DuckDBInstance } from "@duckdb/node-api";
const [a, b] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(":memory:")).connect();
const files = `['${a}', '${b}']`;
async function show(what, sql) {
	try {
		const rows = (await c.runAndReadAll(sql)).getRowsJS();
		console.log(`  ${what}: ${JSON.stringify(rows, (k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
	} catch (e) {
		console.log(`  ${what}: error: ${e.message.split("\n")[0]}`);
	}
}
await show("1. inference from the first file only",
	`SELECT unnest(Records, max_depth := 2) FROM read_json(${files}, format := 'newline_delimited', sample_size := 1, maximum_sample_files := 1)`);
await show("2. explicit schema",
	`SELECT unnest(Records, max_depth := 2) FROM read_json(${files}, format := 'newline_delimited', columns := {Records: 'STRUCT(eventID VARCHAR, eventName VARCHAR, requestParameters JSON)[]'})`);
await show("3. requestParameters as DuckDB writes it back",
	`SELECT r.requestParameters::VARCHAR FROM (SELECT unnest(Records) AS r FROM read_json('${a}', format := 'newline_delimited'))`);
JS
)

go build -o "$work/custody" ./cmd/custody
"$work/custody" keygen --no-passphrase --algorithm ed25519 "$work/k" >/dev/null
"$work/custody" ingest --case pitfalls --key "$work/k.key" --out "$work/bundle" "$work/logs" 2>/dev/null
echo "custody ingest, then inspect --record:"
for id in p-1 p-2; do
	got=$("$work/custody" inspect --record "$id" "$work/bundle" 2>/dev/null)
	want=$([ "$id" = p-1 ] && echo "$rec1" || echo "$rec2")
	if [ "$got" != "$want" ]; then
		echo "  $id: FAIL: the record is not the file's bytes:" >&2
		echo "    got  $got" >&2
		echo "    want $want" >&2
		exit 1
	fi
	echo "  $id: the file's bytes: $got"
done
# custody's own columns hold the JSON as recorded too; DuckDB reads them.
rp=$(cd interop/duckdb && node --input-type=module - "$work/bundle" <<'JS'
import { DuckDBInstance } from "@duckdb/node-api";
const c = await (await DuckDBInstance.create(":memory:")).connect();
const rows = (await c.runAndReadAll(`SELECT request_parameters FROM read_parquet('${process.argv[2]}/tables/cloudtrail_events/*/*/*.parquet') WHERE event_id = 'p-1'`)).getRowsJS();
console.log(rows[0][0]);
JS
)
echo "  p-1: request_parameters read by DuckDB from custody's table: $rp"
case "$rp" in
*'caf\u00e9'*'1.50'*) ;;
*) echo "  FAIL: request_parameters is not the JSON as recorded" >&2; exit 1 ;;
esac
