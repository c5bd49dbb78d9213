package verify_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

var updateVectors = flag.Bool("update", false, "seal the bundles in testdata/bundles that are missing")

// expectKind maps a vector's expect file to the problem it must produce.
var expectKind = map[string]string{
	"valid":           "",
	"bad-signature":   verify.KindBadSignature,
	"blob-mismatch":   verify.KindBlobMismatch,
	"unlisted-file":   verify.KindUnlistedFile,
	"unknown-version": verify.KindUnknownVersion,
}

// vectors maps each vector's directory to its expectation. The first five
// were sealed in format version 1, every blob compressed; valid-blob-forms
// in version 2, with blobs stored both ways; valid-object-ids in version 3,
// whose CloudTrail rows store their event id once.
var vectors = map[string]string{
	"valid":            "valid",
	"bad-signature":    "bad-signature",
	"blob-mismatch":    "blob-mismatch",
	"unlisted-file":    "unlisted-file",
	"unknown-version":  "unknown-version",
	"valid-blob-forms": "valid",
	"valid-object-ids": "valid",
}

// smallBundle writes a minimal bundle: one partition of three tables, four
// blobs (three too small to compress, stored as is, and one compressed),
// one gap. Vectors are committed, so they are kept small.
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
	u := schemas.Unit{Source: "kbobjects", ID: "u", Target: archivetest.Targets[0]}
	w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: u, ObjectID: "s3://kb/b.txt",
		Row: &schemas.Object{Bucket: "kb", Key: "b.txt"}, Body: strings.NewReader("second document\n")})
	w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: u, ObjectID: "s3://kb/c.txt",
		Row: &schemas.Object{Bucket: "kb", Key: "c.txt"}, Body: strings.NewReader(strings.Repeat("third document, longer\n", 40))})
	if err := w.Gap(ctx, archivetest.Gaps()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// buildVectors seals the vectors whose directory is missing. A vector is
// never rebuilt: those sealed by earlier builds, in earlier format
// versions, are what later builds must keep reading. To rebuild one,
// delete its directory.
func buildVectors(t *testing.T, root string) {
	for name, expect := range vectors {
		if _, err := os.Stat(filepath.Join(root, name)); err == nil {
			continue
		}
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
			os.WriteFile(p, bytes.Replace(b, fmt.Appendf(nil, `"format_version": %d`, schemas.FormatVersion), []byte(`"format_version": 99`), 1), 0o644)
		}
		if err := os.WriteFile(filepath.Join(root, name, "expect"), []byte(expect+"\n"), 0o644); err != nil {
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
	if len(cases) != len(vectors) {
		t.Errorf("%d vectors in %s, want %d (run go test ./verify -run TestVectors -update)", len(cases), root, len(vectors))
	}
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
				switch c.Name() {
				case "valid-blob-forms":
					checkBlobForms(t, filepath.Join(root, c.Name(), "bundle"))
				case "valid-object-ids":
					checkObjectIDs(t, filepath.Join(root, c.Name(), "bundle"))
				}
				return
			}
			if r.OK || !r.Has(kind) {
				t.Fatalf("problems %v, want %q", r.Problems, kind)
			}
		})
	}
}

// checkBlobForms asserts that a vector holds what it is kept for: a bundle
// of format version 2 with blobs stored both ways.
func checkBlobForms(t *testing.T, dir string) {
	t.Helper()
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	forms := map[bool]int{}
	for _, f := range r.Manifest().Files {
		if f.IsBlob() {
			forms[f.Compressed()]++
		}
	}
	if v := r.Manifest().FormatVersion; v != 2 || forms[true] == 0 || forms[false] == 0 {
		t.Fatalf("format version %d, %d compressed blobs, %d stored as is; want version 2 with both", v, forms[true], forms[false])
	}
}

// checkObjectIDs asserts that a vector holds what it is kept for: a bundle
// of format version 3 whose cloudtrail_events files store evidence_object_id
// as null where it is the row's event id, and that reading the rows gives
// every object id back.
func checkObjectIDs(t *testing.T, dir string) {
	t.Helper()
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v := r.Manifest().FormatVersion; v != 3 {
		t.Fatalf("format version %d, want 3", v)
	}
	var rows, nulls int64
	for _, f := range r.Manifest().Files {
		if f.Table != schemas.TableCloudTrailEvents {
			continue
		}
		pf, err := file.OpenParquetFile(filepath.Join(dir, filepath.FromSlash(f.Path)), false)
		if err != nil {
			t.Fatal(err)
		}
		col := pf.MetaData().Schema.ColumnIndexByName(schemas.ObjectIDColumn)
		for g := range pf.NumRowGroups() {
			cc, err := pf.MetaData().RowGroup(g).ColumnChunk(col)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil {
				t.Fatalf("%s: no statistics: %v", f.Path, err)
			}
			rows, nulls = rows+cc.NumValues(), nulls+st.NullCount()
		}
		pf.Close()
	}
	if rows == 0 || nulls != rows {
		t.Fatalf("%d of %d evidence_object_id values null, want all", nulls, rows)
	}
	n := 0
	err = r.ScanRows(context.Background(), schemas.TableCloudTrailEvents, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		if id := row.(*schemas.CloudTrailEvent).EventID; m.ObjectID != id || id == "" {
			return fmt.Errorf("object id %q, event id %q", m.ObjectID, id)
		}
		n++
		return nil
	})
	if err != nil || int64(n) != rows {
		t.Fatalf("%d rows read of %d: %v", n, rows, err)
	}
}
