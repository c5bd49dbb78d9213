package verify

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// KindDanglingReference: a row says its record lies in a blob the bundle
// does not hold.
const KindDanglingReference = "dangling reference"

// recordRefs reads which blobs a cloudtrail_events file's rows hold their
// records in: blob_sha256 where raw_offset is set (format 4). A file
// without raw_offset (versions 1 to 3) refers to none. The caller recovers
// from a reader that panics on a crafted file.
func recordRefs(pf *file.Reader) (map[string]bool, error) {
	sc := pf.MetaData().Schema
	blobCol, offCol := sc.ColumnIndexByName("blob_sha256"), sc.ColumnIndexByName("raw_offset")
	if blobCol < 0 || offCol < 0 {
		return nil, nil
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	cols := []int{blobCol, offCol}
	slices.Sort(cols)
	rr, err := fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	refs := map[string]bool{}
	for rr.Next() {
		rec := rr.RecordBatch()
		sc := rec.Schema()
		blobs, ok1 := rec.Column(sc.FieldIndices("blob_sha256")[0]).(*array.String)
		offs, ok2 := rec.Column(sc.FieldIndices("raw_offset")[0]).(*array.Int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("blob_sha256 or raw_offset is not of its type")
		}
		for i := range int(rec.NumRows()) {
			if offs.IsValid(i) {
				if blobs.IsNull(i) {
					return nil, fmt.Errorf("row %d has raw_offset without blob_sha256", i)
				}
				refs[blobs.Value(i)] = true
			}
		}
	}
	return refs, rr.Err()
}

// noteRefs keeps the blobs a table file's rows refer to, for checkRefs.
func (c *checker) noteRefs(f archive.File, pf *file.Reader) {
	if f.Table != schemas.TableCloudTrailEvents {
		return
	}
	refs, err := recordRefs(pf)
	if err != nil {
		c.add(KindBadParquet, f.Path, "reading blob_sha256 and raw_offset: %v", err)
		return
	}
	if len(refs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs == nil {
		c.refs = map[string]string{}
	}
	for sha := range refs {
		if _, ok := c.refs[sha]; !ok || f.Path < c.refs[sha] {
			c.refs[sha] = f.Path
		}
	}
}

// checkRefs reports every blob that rows hold their records in and the
// manifest does not list.
func (c *checker) checkRefs(m *archive.Manifest) {
	if len(c.refs) == 0 {
		return
	}
	have := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if f.IsBlob() {
			have[f.RawSHA256] = true
		}
	}
	for sha, path := range c.refs {
		if !have[sha] {
			c.add(KindDanglingReference, path, "rows hold their records in blob %s, which the bundle does not list", sha)
		}
	}
}
