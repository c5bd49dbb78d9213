package verify_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

var updateVectors = flag.Bool("update", false, "rebuild the bundles in testdata/bundles")

// expectKind maps a vector's expect file to the problem it must produce.
var expectKind = map[string]string{
	"valid":           "",
	"bad-signature":   verify.KindBadSignature,
	"blob-mismatch":   verify.KindBlobMismatch,
	"unlisted-file":   verify.KindUnlistedFile,
	"unknown-version": verify.KindUnknownVersion,
}

// smallBundle writes a minimal bundle: one partition of three tables, two
// blobs, one gap. Vectors are committed, so they are kept small.
func smallBundle(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), Actor: "vector", ToolVersion: "vector", Now: archivetest.Clock(), BlobWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.SetRun(archivetest.Run())
	for _, e := range archivetest.Evidence(1)[:5] {
		if err := w.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "kbobjects", ID: "u", Target: archivetest.Targets[0]}, ObjectID: "s3://kb/b.txt",
		Row: &schemas.Object{Bucket: "kb", Key: "b.txt"}, Body: strings.NewReader("second document\n")})
	if err := w.Gap(ctx, archivetest.Gaps()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func buildVectors(t *testing.T, root string) {
	os.RemoveAll(root)
	for name := range expectKind {
		dir := filepath.Join(root, name, "bundle")
		smallBundle(t, dir)
		switch name {
		case "bad-signature":
			archivetest.SignAs(t, dir, archivetest.Signer(t, "ed25519-other"))
		case "blob-mismatch":
			archivetest.SwapBlob(t, dir)
		case "unlisted-file":
			os.WriteFile(filepath.Join(dir, "blobs", "notes.txt"), []byte("added after sealing\n"), 0o644)
		case "unknown-version":
			p := filepath.Join(dir, archive.ManifestName)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1), 0o644)
		}
		if err := os.WriteFile(filepath.Join(root, name, "expect"), []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVectors verifies the committed bundles in testdata/bundles: a bundle
// sealed by an earlier build must keep verifying, and each damaged one must
// keep failing for its reason. -update rebuilds them.
func TestVectors(t *testing.T) {
	root := filepath.Join("testdata", "bundles")
	if *updateVectors {
		buildVectors(t, root)
	}
	cases, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("%v (run go test ./verify -run TestVectors -update)", err)
	}
	v := archivetest.Verifier(t, "ed25519")
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, c.Name(), "expect"))
			if err != nil {
				t.Fatal(err)
			}
			kind, ok := expectKind[strings.TrimSpace(string(b))]
			if !ok {
				t.Fatalf("unknown expectation %q", b)
			}
			r, err := verify.Verify(context.Background(), filepath.Join(root, c.Name(), "bundle"), verify.Options{Verifier: v})
			if err != nil {
				t.Fatal(err)
			}
			if kind == "" {
				if !r.OK {
					t.Fatalf("problems %v", r.Problems)
				}
				return
			}
			if r.OK || !r.Has(kind) {
				t.Fatalf("problems %v, want %q", r.Problems, kind)
			}
		})
	}
}
