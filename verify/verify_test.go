package verify_test

import (
	"context"
	"testing"

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
