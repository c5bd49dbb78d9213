package verify_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// A row that says its record lies in a blob the bundle does not hold is a
// dangling reference, though every file's digest holds: the writer that
// sealed it was wrong, and the record cannot be read back. The same bundle
// with the blob in it verifies.
func TestRowsPointingToAMissingBlobAreDangling(t *testing.T) {
	ctx := context.Background()
	content := `{"Records":[{"eventID":"e-1"}]}`
	for _, tc := range []struct {
		name     string
		withBlob bool
	}{{"blob held", true}, {"blob missing", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			w := vectorWriter(t, dir)
			u := schemas.Unit{Source: "trailfiles", ID: "u", Target: schemas.Target{Account: "111111111111", Region: "us-east-1"}}
			blob := strings.Repeat("ab", 32)
			if tc.withBlob {
				o := &schemas.Object{Bucket: "trail", Key: "f.json"}
				if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: u, ObjectID: "s3://trail/f.json", Row: o, Body: strings.NewReader(content)}); err != nil {
					t.Fatal(err)
				}
				blob = *o.BlobSHA256
			}
			off, size := int64(12), int64(len(`{"eventID":"e-1"}`))
			row := &schemas.CloudTrailEvent{EventID: "e-1", Via: "trail-file", BlobSHA256: &blob, RawOffset: &off, RawSize: &size, Parsed: true}
			if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: u, ObjectID: "e-1", Row: row}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			r := run(t, dir, verify.Options{})
			if tc.withBlob != r.OK || tc.withBlob == r.Has(verify.KindDanglingReference) {
				t.Fatalf("OK %v, problems %v", r.OK, r.Problems)
			}
		})
	}
}
