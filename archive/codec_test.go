package archive

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"

	"github.com/custodyhq/custody/schemas"
)

// arrowZstd is arrow's own zstd codec, kept before ours replaces it, so the
// two can be compared in one run.
var arrowZstd, _ = compress.GetCodec(compress.Codecs.Zstd)

func TestPageCodecFramesAreStandardZstd(t *testing.T) {
	useSharedCodec()
	c, _ := compress.GetCodec(compress.Codecs.Zstd)
	src := bytes.Repeat([]byte("custody page "), 50000)
	frame := c.Encode(nil, src)
	dec, _ := zstd.NewReader(nil)
	got, err := dec.DecodeAll(frame, nil)
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("a page frame does not decode with a plain zstd decoder: %v", err)
	}
	if _, err := c.(compress.ErrorCodec).DecodeWithError(nil, frame[:len(frame)/2]); err == nil {
		t.Fatal("a truncated frame decoded")
	}
}

// writeTable writes rows CloudTrail-like rows with codec c registered and
// returns the file's bytes.
func writeTable(tb testing.TB, c compress.Codec, rows int) []byte {
	compress.RegisterCodec(compress.Codecs.Zstd, c)
	b, err := schemas.NewBatch(memory.DefaultAllocator, schemas.TableCloudTrailEvents)
	if err != nil {
		tb.Fatal(err)
	}
	defer b.Release()
	var out bytes.Buffer
	props, err := writerProps(schemas.TableCloudTrailEvents)
	if err != nil {
		tb.Fatal(err)
	}
	fw, err := pqarrow.NewFileWriter(b.Schema(), &out, props, pqarrow.DefaultWriterProps())
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range rows {
		raw := make([]byte, 600)
		for j := range raw {
			raw[j] = "abcdefgh{}\":,0123456789"[rng.IntN(23)]
		}
		b.Append(schemas.Meta{Kind: schemas.KindCloudTrailEvent}, &schemas.CloudTrailEvent{EventID: fmt.Sprint(i), EventName: "InvokeModel", Raw: string(raw)})
		if b.Len() == 4096 || i == rows-1 {
			rec := b.NewRecord()
			if err := fw.WriteBuffered(rec); err != nil {
				tb.Fatal(err)
			}
			rec.Release()
		}
	}
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// Files written with the shared codec read back with arrow's own.
func TestPageCodecInterop(t *testing.T) {
	useSharedCodec()
	shared, _ := compress.GetCodec(compress.Codecs.Zstd)
	data := writeTable(t, shared, 10000)
	compress.RegisterCodec(compress.Codecs.Zstd, arrowZstd)
	defer compress.RegisterCodec(compress.Codecs.Zstd, shared)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 10000 {
		t.Fatalf("read %d rows, want 10000", tbl.NumRows())
	}
}

// BenchmarkPageCodec writes the same CloudTrail-like table with arrow's
// zstd codec and with the shared one, in one run.
func BenchmarkPageCodec(b *testing.B) {
	useSharedCodec()
	shared, _ := compress.GetCodec(compress.Codecs.Zstd)
	defer compress.RegisterCodec(compress.Codecs.Zstd, shared)
	const rows = 20000
	for _, tc := range []struct {
		name string
		c    compress.Codec
	}{{"arrow", arrowZstd}, {"shared", shared}} {
		b.Run(tc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				size = len(writeTable(b, tc.c, rows))
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(size)/rows, "bytes/row")
		})
	}
}
