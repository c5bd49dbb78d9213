#!/usr/bin/env bash
# The project's test command: formatting, vet, and every test, with the race
# detector on the packages that run concurrently.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

unformatted=$(gofmt -l $(git ls-files -co --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
raced='collect|archive|verify|lab|drift|ingest|report|modelsig'
go test -race -count=1 $(go list ./... | grep -E "/($raced)(/|\$)")
# Every other package, so none is left out as packages are added.
go test -count=1 $(go list ./... | grep -vE "/($raced)(/|\$)")

# Every fuzz target beyond its seed corpus, briefly (FUZZTIME, default 10s
# each, about a minute and a half in all).
./scripts/fuzz.sh

# DuckDB reads a freshly sealed bundle in place and agrees with its manifest.
# CI installs the DuckDB package (.ci/run); elsewhere it runs once
# `npm install --no-save` has been run in interop/duckdb.
if [ -d interop/duckdb/node_modules/@duckdb/node-api ] && command -v node >/dev/null 2>&1; then
	./scripts/duckdb-interop.sh
	./scripts/duckdb-pitfalls.sh
elif [ "${CI:-}" = true ]; then
	echo "DuckDB interop: interop/duckdb/node_modules missing in CI" >&2
	exit 1
else
	echo "SKIPPED: DuckDB interop (needs node and: cd interop/duckdb && npm install --no-save)"
fi
