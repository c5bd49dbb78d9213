package archive_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// encodingOf names the schemas.Encoding a column chunk's encodings show;
// Plain stands for Distinct too, which differs from it in statistics only.
func encodingOf(encs []parquet.Encoding) schemas.Encoding {
	e := schemas.Plain
	for _, x := range encs {
		switch x {
		case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
			return schemas.Dictionary
		case parquet.Encodings.DeltaBinaryPacked, parquet.Encodings.DeltaLengthByteArray:
			e = schemas.Delta
		}
	}
	return e
}

// TestParquetSettings reads every table file's footer: REQUIRED root (strict
// readers refuse arrow's default REPEATED root), zstd on every column, each
// column in the encoding its struct tag declares, statistics set except on
// distinct columns, row counts as listed.
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
		cols, err := schemas.Columns(f.Table)
		if err != nil {
			t.Fatal(err)
		}
		declared := map[string]schemas.Encoding{}
		for _, c := range cols {
			declared[c.Name] = c.Encoding
		}
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
				name := md.Schema.Column(c).Name()
				enc := declared[name]
				if ok, _ := cc.StatsSet(); ok != (enc != schemas.Distinct) {
					t.Errorf("%s column %s (%s): statistics %v", f.Path, name, enc, ok)
				}
				if got := encodingOf(cc.Encodings()); got != enc && (got != schemas.Plain || enc != schemas.Distinct) {
					t.Errorf("%s column %s: encodings %v, declared %s", f.Path, name, cc.Encodings(), enc)
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
