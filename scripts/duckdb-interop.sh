#!/usr/bin/env bash
# Reads a bundle's tables in place with DuckDB (interop/duckdb) and checks
# them against manifest.json. With no argument it seals a fresh demo bundle
# first. Needs `npm install --no-save` run in interop/duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

if [ ! -d interop/duckdb/node_modules/@duckdb/node-api ]; then
	echo "duckdb-interop: interop/duckdb/node_modules missing; run: (cd interop/duckdb && npm install --no-save)" >&2
	exit 1
fi
bundle=${1:-}
if [ -z "$bundle" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	bundle=$work/bundle
	echo "duckdb-interop: sealing a demo bundle in $bundle"
	if ! go run ./cmd/custody demo --quiet --out "$bundle" >"$work/demo.log" 2>&1; then
		cat "$work/demo.log" >&2
		exit 1
	fi
fi
node interop/duckdb/check.mjs "$bundle"

# The check must be able to fail: with one table file gone from the bundle
# it sealed, DuckDB reads fewer rows than the manifest lists.
if [ -n "${work:-}" ]; then
	victim=$(cd "$bundle" && find tables -name '*.parquet' | sort | sed -n 1p)
	rm "$bundle/$victim"
	if node interop/duckdb/check.mjs "$bundle" >"$work/damaged.log" 2>&1; then
		echo "duckdb-interop: a bundle without $victim passed the check" >&2
		exit 1
	fi
	echo "ok: without $victim, DuckDB disagrees with manifest.json: $(grep -m1 MISMATCH "$work/damaged.log")"
fi
