#!/usr/bin/env bash
# Runs every fuzz target for a short while (FUZZTIME, default 10s each)
# beyond its seed corpus, which `go test` already replays. A failing input
# is written under the package's testdata/fuzz and fails the run; commit it
# with the fix so that it stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
fuzztime=${FUZZTIME:-10s}

for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== fuzz $target ($pkg, $fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"
	done
done
