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

# interop NAME PACKAGE SCRIPT...: runs the scripts when interop/NAME has its
# npm package installed (`npm install --no-save` there; CI does, in
# .ci/run), says SKIPPED otherwise, and fails in CI.
interop() {
	local name=$1 package=$2
	shift 2
	if [ -d "interop/$name/node_modules/$package" ] && command -v node >/dev/null 2>&1; then
		for script in "$@"; do "$script"; done
	elif [ "${CI:-}" = true ]; then
		echo "$name interop: interop/$name/node_modules missing in CI" >&2
		exit 1
	else
		echo "SKIPPED: $name interop (needs node and: cd interop/$name && npm install --no-save)"
	fi
}

# DuckDB reads a freshly sealed bundle in place and agrees with its
# manifest, and keeps what DuckDB's own JSON reader loses.
interop duckdb @duckdb/node-api ./scripts/duckdb-interop.sh ./scripts/duckdb-pitfalls.sh
# hyparquet, a Parquet reader written apart from arrow-go, decodes every
# value of every table file as arrow-go does.
interop hyparquet hyparquet ./scripts/hyparquet-interop.sh
