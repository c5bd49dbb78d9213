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
go test -race -count=1 ./collect/... ./archive/... ./verify/... ./lab/...
go test -count=1 ./schemas/... ./cmd/...
