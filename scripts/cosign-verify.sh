#!/usr/bin/env bash
# Verifies manifest.sigstore.json with cosign alone, offline, trusting only
# the public key: what an auditor without custody runs. Builds cosign from
# source (a few minutes the first time), seals a demo bundle, and checks that
# cosign accepts manifest.json, SHA256SUMS and a blob of it, accepts the
# committed Ed25519 test vector, and refuses a changed manifest and a
# foreign key. Not part of scripts/test.sh: it needs the cosign build.
#
#   scripts/cosign-verify.sh [BUNDLE PUBKEY]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

cosign_version=v2.6.5 # the newest v2 that builds with our Go
bin=${COSIGN_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/custody/cosign-$cosign_version}
cosign=$bin/cosign
if [ ! -x "$cosign" ]; then
	echo "== building cosign $cosign_version into $bin"
	GOBIN=$bin go install "github.com/sigstore/cosign/v2/cmd/cosign@$cosign_version"
fi
"$cosign" version 2>/dev/null | grep GitVersion

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 2 ]; then
	bundle=$1 pub=$2
else
	bundle=$work/bundle pub=$work/bundle.demo.pub
	echo "== sealing a demo bundle"
	go run ./cmd/custody demo --quiet --out "$bundle" >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; exit 1; }
fi

# No transparency log and no certificate: the bundle is verified against
# the public key alone, so the trusted root is empty.
root=$work/trusted_root.json
echo '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}' >"$root"
predicate=https://github.com/custodyhq/custody/blob/main/schemas/BUNDLE.md#predicate-v1

verify() { # KEY SIGFILE ARTIFACT
	"$cosign" verify-blob-attestation --new-bundle-format --trusted-root "$root" \
		--insecure-ignore-tlog --type "$predicate" --key "$1" --bundle "$2" "$3"
}
fail=0
pass() { # NAME KEY SIGFILE ARTIFACT
	if verify "$2" "$3" "$4" >"$work/out" 2>&1; then echo "ok: cosign accepts $1"; else echo "FAIL: cosign refuses $1" >&2; cat "$work/out" >&2; fail=1; fi
}
refuse() { # NAME KEY SIGFILE ARTIFACT
	if verify "$2" "$3" "$4" >"$work/out" 2>&1; then echo "FAIL: cosign accepts $1" >&2; fail=1; else echo "ok: cosign refuses $1: $(grep -m1 '^Error' "$work/out")"; fi
}

sig=$bundle/manifest.sigstore.json
pass "manifest.json" "$pub" "$sig" "$bundle/manifest.json"
pass "SHA256SUMS" "$pub" "$sig" "$bundle/SHA256SUMS"
blob=$(cd "$bundle" && find blobs -type f | sort | sed -n 1p)
if [ -n "$blob" ]; then pass "$blob" "$pub" "$sig" "$bundle/$blob"; fi
vec=verify/testdata/bundles/valid/bundle
pass "the Ed25519 test vector" testdata/keys/ed25519.pub "$vec/manifest.sigstore.json" "$vec/manifest.json"
sed 's/"case": "/"case": "x/' "$bundle/manifest.json" >"$work/changed.json"
refuse "a changed manifest.json" "$pub" "$sig" "$work/changed.json"
refuse "the bundle under a foreign key" testdata/keys/ed25519.pub "$sig" "$bundle/manifest.json"
if [ $fail -ne 0 ]; then
	echo "cosign: FAILED" >&2
	exit 1
fi
echo "cosign: OK"
