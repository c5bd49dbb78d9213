package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/verify"
)

// FuzzVerifyTar: verification of arbitrary bytes as a tar bundle always
// produces a report (never an error, never a panic), and a report without
// problems only for the unchanged bundle.
func FuzzVerifyTar(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "b")
	archivetest.Build(f, dir, archivetest.Options{Scale: 1})
	out := filepath.Join(f.TempDir(), "b.tar")
	if err := archive.Pack(dir, out); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(out)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	v := archivetest.Verifier(f, "ed25519")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.tar")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := verify.Verify(context.Background(), p, verify.Options{Verifier: v, Workers: 2})
		if err != nil {
			t.Fatalf("verify returned an error instead of a report: %v", err)
		}
		if r.OK && len(b) < len(good)-1024 {
			t.Fatalf("a %d-byte tar verified; the bundle is %d bytes", len(b), len(good))
		}
	})
}
