package verify_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/collect/trailfiles"
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
// whose CloudTrail rows store their event id once; valid-raw-in-file in
// version 4, whose rows of a log file point to their records in its blob.
var vectors = map[string]string{
	"valid":             "valid",
	"bad-signature":     "bad-signature",
	"blob-mismatch":     "blob-mismatch",
	"unlisted-file":     "unlisted-file",
	"unknown-version":   "unknown-version",
	"valid-blob-forms":  "valid",
	"valid-object-ids":  "valid",
	"valid-raw-in-file": "valid",
}

// vectorWriter starts a vector's bundle, signed by the test key.
func vectorWriter(t *testing.T, dir string) *archive.Writer {
	t.Helper()
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), Actor: "vector", ToolVersion: "vector", Now: archivetest.Clock(), BlobWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.SetRun(archivetest.Run())
	return w
}

// smallBundle writes a minimal bundle: one partition of three tables, four
// blobs (three too small to compress, stored as is, and one compressed),
// one gap. Vectors are committed, so they are kept small.
func smallBundle(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	w := vectorWriter(t, dir)
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
		if name == "valid-raw-in-file" {
			logFileBundle(t, dir)
		} else {
			smallBundle(t, dir)
		}
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
				case "valid-raw-in-file":
					checkRawInFile(t, filepath.Join(root, c.Name(), "bundle"))
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
	r := openVersion(t, dir, 2)
	forms := map[bool]int{}
	for _, f := range r.Manifest().Files {
		if f.IsBlob() {
			forms[f.Compressed()]++
		}
	}
	if forms[true] == 0 || forms[false] == 0 {
		t.Fatalf("%d compressed blobs, %d stored as is; want both", forms[true], forms[false])
	}
}

// checkObjectIDs asserts that a vector holds what it is kept for: a bundle
// of format version 3 whose cloudtrail_events files store evidence_object_id
// as null where it is the row's event id, and that reading the rows gives
// every object id back.
func checkObjectIDs(t *testing.T, dir string) {
	t.Helper()
	r := openVersion(t, dir, 3)
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
	err := r.ScanRows(context.Background(), schemas.TableCloudTrailEvents, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
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

// logRecords are the records of the log file of valid-raw-in-file: two
// whole ones (the second with bytes that are not UTF-8) and one that is not
// an object, which its row holds in raw.
var logRecords = []string{
	`{"eventVersion":"1.11","eventTime":"2026-11-16T10:00:00Z","eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","awsRegion":"us-east-1","eventID":"e-1","recipientAccountId":"111111111111"}`,
	"{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-11-16T10:01:00Z\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"GetCallerIdentity\",\"userAgent\":\"curl/\xff\xfe\",\"eventID\":\"e-2\"}",
	`12`,
}

// logFileBundle writes a bundle holding one gzip CloudTrail log file, read
// as a trail file is: its blob, and a row for each record.
func logFileBundle(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	w := vectorWriter(t, dir)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"Records":[` + strings.Join(logRecords, ",\n") + `]}`))
	zw.Close()
	key := "AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/16/111111111111_CloudTrail_us-east-1_20261116T1005Z_v.json.gz"
	res, err := trailfiles.ReadFile(ctx, w, trailfiles.File{
		Unit:     schemas.Unit{Source: trailfiles.Name, ID: key, Target: archivetest.Targets[0]},
		ObjectID: "s3://trail/" + key, Row: &schemas.Object{Bucket: "trail", Key: key}, Now: archivetest.Clock(),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gz.Bytes())), nil },
	})
	if err != nil || res.Records != int64(len(logRecords)) || res.Problem != nil {
		t.Fatalf("%+v, %v", res, err)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkRawInFile asserts that a vector holds what it is kept for: a bundle
// of format version 4 whose rows of a log file point into its blob, and
// whose every record reads back byte for byte.
func checkRawInFile(t *testing.T, dir string) {
	t.Helper()
	r := openVersion(t, dir, 4)
	inFile := 0
	got := map[int64]string{}
	err := r.ScanRows(context.Background(), schemas.TableCloudTrailEvents, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		rec, err := trailfiles.Record(ev, r.OpenBlob)
		if err != nil {
			return err
		}
		if ev.RawOffset != nil {
			inFile++
		}
		got[ev.RecordIndex] = string(rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if inFile != 2 || len(got) != len(logRecords) {
		t.Fatalf("%d rows, %d pointing into the file; want %d and 2", len(got), inFile, len(logRecords))
	}
	for i, want := range logRecords {
		if got[int64(i)] != want {
			t.Errorf("record %d reads back as %q, want %q", i, got[int64(i)], want)
		}
	}
}

// openVersion opens a vector's bundle, which must be of the given format
// version; it is closed when the test ends.
func openVersion(t *testing.T, dir string, version int) *archive.Reader {
	t.Helper()
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if v := r.Manifest().FormatVersion; v != version {
		t.Fatalf("format version %d, want %d", v, version)
	}
	return r
}
