#!/usr/bin/env bash
# Reads every table file of a bundle with hyparquet (interop/hyparquet), a
# Parquet reader written from the specification apart from arrow-go, and checks that
# it decodes the values arrow-go decodes (scripts/tabledigest) and the rows
# manifest.json lists. With no argument it seals a fresh demo bundle first
# and checks the valid test vectors as well.
# Needs `npm install --no-save` run in interop/hyparquet.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

if [ ! -d interop/hyparquet/node_modules/hyparquet ] || [ ! -d interop/hyparquet/node_modules/hyparquet-compressors ]; then
	echo "hyparquet-interop: interop/hyparquet/node_modules missing; run: (cd interop/hyparquet && npm install --no-save)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bundle=${1:-}
if [ -z "$bundle" ]; then
	bundle=$work/bundle
	echo "hyparquet-interop: sealing a demo bundle in $bundle"
	if ! go run ./cmd/custody demo --quiet --out "$bundle" >"$work/demo.log" 2>&1; then
		cat "$work/demo.log" >&2
		exit 1
	fi
fi
go run ./scripts/tabledigest "$bundle" >"$work/digests.json"
node interop/hyparquet/check.mjs "$bundle" "$work/digests.json"

# The test vectors too: every format version's valid bundle.
if [ -z "${1:-}" ]; then
	for vector in verify/testdata/bundles/valid*/bundle; do
		go run ./scripts/tabledigest "$vector" >"$work/vector.json"
		echo -n "$vector: "
		node interop/hyparquet/check.mjs "$vector" "$work/vector.json"
	done
fi

# The comparison must be able to fail: told that one column of one file
# holds other values than it does, the check disagrees.
altered=$(node -e '
const fs = require("fs");
const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const file = Object.keys(d).sort()[0];
const col = Object.keys(d[file].columns).sort()[0];
d[file].columns[col] = "0".repeat(64);
fs.writeFileSync(process.argv[2], JSON.stringify(d));
console.log(`${file} ${col}:`);
' "$work/digests.json" "$work/altered.json")
status=0
node interop/hyparquet/check.mjs "$bundle" "$work/altered.json" >"$work/altered.log" 2>&1 || status=$?
if [ "$status" != 1 ] || ! grep -qF "MISMATCH $altered" "$work/altered.log"; then
	cat "$work/altered.log" >&2
	echo "hyparquet-interop: with $altered's digest altered on purpose, the check did not report it (exit $status)" >&2
	exit 1
fi
echo "ok: with one column's digest altered, the check disagrees: $(grep -m1 MISMATCH "$work/altered.log")"
