package archive_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
)

// TestParquetSettings reads every table file's footer: REQUIRED root (strict
// readers refuse arrow's default REPEATED root), zstd on every column,
// statistics set, row counts as listed.
func TestParquetSettings(t *testing.T) {
	r, err := archive.Open(archivetest.Fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for _, f := range r.Manifest().Files {
		if f.Table == "" {
			continue
		}
		n++
		of, err := r.Tree().Open(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := archive.OpenParquet(of)
		if err != nil {
			t.Fatal(err)
		}
		md := pf.MetaData()
		if rep := md.Schema.Root().RepetitionType(); rep != parquet.Repetitions.Required {
			t.Errorf("%s: root repetition %v", f.Path, rep)
		}
		if pf.NumRows() != f.Rows {
			t.Errorf("%s: %d rows, listed %d", f.Path, pf.NumRows(), f.Rows)
		}
		for g := range md.NumRowGroups() {
			rg := md.RowGroup(g)
			for c := range rg.NumColumns() {
				cc, err := rg.ColumnChunk(c)
				if err != nil {
					t.Fatal(err)
				}
				if cc.Compression() != compress.Codecs.Zstd {
					t.Errorf("%s column %d: compression %v", f.Path, c, cc.Compression())
				}
				if ok, _ := cc.StatsSet(); !ok {
					t.Errorf("%s column %d: no statistics", f.Path, c)
				}
			}
		}
		pf.Close()
		of.Close()
	}
	if n == 0 {
		t.Fatal("no table files")
	}
}
