package interop_test

import (
	"crypto"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/archive/hashing"
)

// TestSigstoreGoVerifies checks manifest.sigstore.json with sigstore-go
// alone, offline, trusting only the public key: what an auditor without
// custody can do.
func TestSigstoreGoVerifies(t *testing.T) {
	for _, algo := range []string{"ed25519", "ecdsa-p256", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			key, err := archive.GenerateKey(algo)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := archive.SignerFor(key)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "b")
			archivetest.Build(t, dir, archivetest.Options{Signer: signer})
			sigstoreGoVerify(t, dir, key.Public())
		})
	}
}

func sigstoreGoVerify(t *testing.T, dir string, pub crypto.PublicKey) {
	t.Helper()
	b, err := bundle.LoadJSONFromPath(filepath.Join(dir, archive.SignatureName))
	if err != nil {
		t.Fatal(err)
	}
	hint, err := archive.KeyHint(pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := archive.VerifierFor(pub)
	if err != nil {
		t.Fatal(err)
	}
	trusted := root.NewTrustedPublicKeyMaterial(func(h string) (root.TimeConstrainedVerifier, error) {
		if h != hint {
			return nil, fmt.Errorf("unknown key %s", h)
		}
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	})
	sv, err := sgverify.NewVerifier(trusted, sgverify.WithNoObserverTimestamps())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile(filepath.Join(dir, archive.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := hex.DecodeString(hashing.Bytes(mb))
	res, err := sv.Verify(b, sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", digest), sgverify.WithKey()))
	if err != nil {
		t.Fatalf("sigstore-go: %v", err)
	}
	if res.Statement == nil || res.Statement.PredicateType != archive.PredicateType {
		t.Fatalf("statement %+v", res.Statement)
	}
	// And a manifest that was changed is refused.
	mb[len(mb)/2] ^= 1
	digest, _ = hex.DecodeString(hashing.Bytes(mb))
	if _, err := sv.Verify(b, sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", digest), sgverify.WithKey())); err == nil {
		t.Fatal("sigstore-go accepted a digest that is not a subject")
	}
}
