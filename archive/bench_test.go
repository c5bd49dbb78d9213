package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// trailRows makes n CloudTrail-like rows with realistic variety: a few
// event names and principals, unique ids, a raw record of ~1 KiB.
func trailRows(n int) []*schemas.CloudTrailEvent {
	names := []string{"InvokeModel", "GetObject", "AssumeRole", "ListFoundationModels", "UpdateGuardrail", "Retrieve"}
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]*schemas.CloudTrailEvent, n)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		id := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16)
		name := names[rng.IntN(len(names))]
		params := fmt.Sprintf(`{"modelId":"anthropic.claude-3-%d","bucket":"kb-%d"}`, rng.IntN(4), rng.IntN(8))
		t := base.Add(time.Duration(i) * 137 * time.Millisecond)
		raw, _ := json.Marshal(map[string]any{"eventVersion": "1.09", "eventID": id, "eventName": name, "eventTime": t, "requestParameters": json.RawMessage(params), "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12", "pad": fmt.Sprintf("%0600d", rng.IntN(1000))})
		ro := name != "UpdateGuardrail"
		out[i] = &schemas.CloudTrailEvent{
			EventID: id, EventTime: t, EventVersion: "1.09", EventSource: "bedrock.amazonaws.com", EventName: name, EventType: "AwsApiCall",
			EventCategory: "Management", AWSRegion: "us-east-1", RecipientAccountID: "111111111111", SourceIPAddress: fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(255)),
			UserAgent: "Boto3/1.34.0", RequestID: id, ReadOnly: &ro, UserIdentityType: "AssumedRole",
			UserIdentityARN: fmt.Sprintf("arn:aws:sts::111111111111:assumed-role/app-%d/i-%d", rng.IntN(5), rng.IntN(50)), RequestParameters: &params,
			Time: t, APIOperation: name, APIServiceName: "bedrock.amazonaws.com", CloudRegion: "us-east-1", CloudAccountUID: "111111111111",
			MetadataUID: id, Element: "invocation", Via: "lookup", RecordIndex: int64(i), AcquiredAt: base, AcqRequest: "req", Parsed: true, Raw: string(raw),
		}
	}
	return out
}

const benchRows = 20000

// benchTrailRows returns the CloudTrail rows of the bundle named by
// CUSTODY_BENCH_BUNDLE (a demo bundle holds the lab's records, shaped like
// AWS's), or else benchRows generated ones.
func benchTrailRows(b *testing.B) []*schemas.CloudTrailEvent {
	dir := os.Getenv("CUSTODY_BENCH_BUNDLE")
	if dir == "" {
		return trailRows(benchRows)
	}
	r, err := archive.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var out []*schemas.CloudTrailEvent
	err = r.ScanRows(context.Background(), schemas.TableCloudTrailEvents, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		out = append(out, row.(*schemas.CloudTrailEvent))
		return nil
	})
	if err != nil || len(out) == 0 {
		b.Fatalf("%s: %d CloudTrail rows, %v", dir, len(out), err)
	}
	return out
}

// BenchmarkTableWrite measures CloudTrail-like rows per second through the
// bundle writer (reflection, queue, partition goroutine, hashing, zstd
// Parquet, fsync and sealing) against two references in the same run: the
// same rows through schemas.Batch and pqarrow straight to io.Discard, and
// JSON lines through zstd to io.Discard; and the bytes each stores per row.
func BenchmarkTableWrite(b *testing.B) {
	rows := benchTrailRows(b)
	n := float64(len(rows))
	b.Logf("%d CloudTrail rows", len(rows))
	tgt := schemas.Target{Account: "111111111111", Region: "us-east-1"}
	b.Run("writer", func(b *testing.B) {
		signer := archivetest.Signer(b, "ed25519")
		ctx := context.Background()
		var size int64 // bytes of the table files
		for i := 0; b.Loop(); i++ {
			w, err := archive.Create(filepath.Join(b.TempDir(), fmt.Sprint(i)), archive.WriterOptions{Signer: signer})
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range rows {
				c := *r
				if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: schemas.Unit{Source: "trail", ID: "u", Target: tgt}, ObjectID: c.EventID, Row: &c}); err != nil {
					b.Fatal(err)
				}
			}
			m, err := w.Close(ctx)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, f := range m.Files {
				size += f.Size
			}
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(size)/n, "B/row")
	})
	b.Run("pqarrow-direct", func(b *testing.B) { benchPqarrow(b, rows, archive.PageCodec()) })
	b.Run("pqarrow-stock", func(b *testing.B) { benchPqarrow(b, rows, stockZstd) })
	b.Run("pqarrow-encoder-per-page", func(b *testing.B) { benchPqarrow(b, rows, perPageZstd{stockZstd}) })
	b.Run("jsonl-zstd", func(b *testing.B) {
		var cw countWriter
		for b.Loop() {
			cw.n = 0
			enc, _ := zstd.NewWriter(&cw, zstd.WithEncoderConcurrency(1))
			je := json.NewEncoder(enc)
			for _, r := range rows {
				if err := je.Encode(r); err != nil {
					b.Fatal(err)
				}
			}
			enc.Close()
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cw.n)/n, "B/row")
	})
}

// stockZstd is arrow's own zstd codec, taken before the writer registers
// custody's page codec in its place (package variables are initialised
// before any benchmark runs).
var stockZstd = func() compress.Codec {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		panic(err)
	}
	return c
}()

// perPageZstd compresses every page with a new default-level encoder, as
// arrow's codec did before v18.8 pooled them (the table-writing target's
// "about 110k rows/s" reference); it decodes with arrow's stock codec.
type perPageZstd struct{ compress.Codec }

func (c perPageZstd) Encode(dst, src []byte) []byte {
	return c.EncodeLevel(dst, src, compress.DefaultCompressionLevel)
}

func (perPageZstd) EncodeLevel(dst, src []byte, _ int) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		panic(err)
	}
	defer enc.Close()
	return enc.EncodeAll(src, dst[:0])
}

// benchPqarrow writes rows through schemas.Batch and pqarrow straight to
// io.Discard: zstd, statistics, dictionaries by default, a REQUIRED root.
// Pages go through codec, registered for the run and the previous codec
// put back afterwards: custody's page codec, or arrow's stock one. Arrow's
// codec registry is a plain map: nothing else may read it while a
// benchmark swaps it (benchmarks run one at a time, after the tests).
func benchPqarrow(b *testing.B, rows []*schemas.CloudTrailEvent, codec compress.Codec) {
	n := float64(len(rows))
	prev, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		b.Fatal(err)
	}
	compress.RegisterCodec(compress.Codecs.Zstd, codec)
	defer compress.RegisterCodec(compress.Codecs.Zstd, prev)
	{
		var cw countWriter
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithRootRepetition(parquet.Repetitions.Required), parquet.WithStats(true), parquet.WithDictionaryDefault(true))
		for b.Loop() {
			batch, err := schemas.NewBatch(memory.DefaultAllocator, schemas.TableCloudTrailEvents)
			if err != nil {
				b.Fatal(err)
			}
			cw.n = 0
			fw, err := pqarrow.NewFileWriter(batch.Schema(), &cw, props, pqarrow.DefaultWriterProps())
			if err != nil {
				b.Fatal(err)
			}
			for i, r := range rows {
				batch.Append(schemas.Meta{Kind: schemas.KindCloudTrailEvent, ObjectID: r.EventID, Source: "trail", Unit: "u"}, r)
				if batch.Len() == 8192 || i == len(rows)-1 {
					rec := batch.NewRecord()
					if err := fw.WriteBuffered(rec); err != nil {
						b.Fatal(err)
					}
					rec.Release()
				}
			}
			if err := fw.Close(); err != nil {
				b.Fatal(err)
			}
			batch.Release()
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cw.n)/n, "B/row")
	}
}

// countWriter counts what is written to it and keeps none of it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// blobData is 16 MiB of half-compressible bytes.
func blobData() []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 16<<20)
	for i := range b {
		if i%2 == 0 {
			b[i] = byte(rng.IntN(256))
		} else {
			b[i] = 'a' + byte(i%7)
		}
	}
	return b
}

// BenchmarkBlob measures blob storage (raw and stored SHA-256, zstd, temp
// file, fsync, rename) against zstd of the same bytes to io.Discard in the
// same run: with zstd's defaults (zstd-raw) and with the encoder settings
// blobs are written with (zstd-same), which entropy-code literals in
// blocks without matches too (see newEncoder).
func BenchmarkBlob(b *testing.B) {
	data := blobData()
	b.Run("writer", func(b *testing.B) {
		signer := archivetest.Signer(b, "ed25519")
		ctx := context.Background()
		w, err := archive.Create(filepath.Join(b.TempDir(), "b"), archive.WriterOptions{Signer: signer, BlobWorkers: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		for i := 0; b.Loop(); i++ {
			d := bytes.Clone(data[:16])
			d[0], d[1], d[2], d[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24) // distinct content: no dedup
			if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Body: io.MultiReader(bytes.NewReader(d), bytes.NewReader(data[16:]))}); err != nil {
				b.Fatal(err)
			}
		}
		archive.WaitSettled(w) // every blob durable under its name
		b.StopTimer()
		w.Abort()
	})
	b.Run("zstd-raw", func(b *testing.B) {
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		benchZstd(b, enc, data)
	})
	b.Run("zstd-same", func(b *testing.B) {
		enc, err := archive.NewBlobEncoder()
		if err != nil {
			b.Fatal(err)
		}
		benchZstd(b, enc, data)
	})
}

// benchZstd compresses data through enc, one goroutine, to io.Discard.
func benchZstd(b *testing.B, enc *zstd.Encoder, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		enc.Reset(io.Discard)
		if _, err := enc.Write(data); err != nil {
			b.Fatal(err)
		}
		enc.Close()
	}
}
