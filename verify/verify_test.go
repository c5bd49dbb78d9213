package verify_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/verify"
)

func TestVerifyFixture(t *testing.T) {
	dir := archivetest.Fixture(t)
	r, err := verify.Verify(context.Background(), dir, verify.Options{Verifier: archivetest.Verifier(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("fixture does not verify: %v", r.Problems)
	}
	if r.Files == 0 || r.Blobs == 0 || r.Rows == 0 || !r.SignatureChecked || len(r.Custody) != 1 {
		t.Errorf("report %+v", r)
	}
}

func TestVerifyEmptyBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "empty")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), Now: archivetest.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, verify.Options{})
	if !r.OK || r.Files != 0 {
		t.Fatalf("empty bundle: %+v", r)
	}
}
