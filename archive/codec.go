package archive

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// pageCodec compresses Parquet pages with zstd through one shared encoder.
// Arrow's own codec takes a default-window encoder per page from a pool:
// each carries an 8 MiB history for pages that are at most a megabyte, and
// hundreds of partitions writing at once make that the writer's largest
// cost. A page is compressed as one independent frame, so a window of the
// page size compresses it as well; the output is ordinary zstd that any
// Parquet reader decodes.
//
// The encoder runs at zstd's fastest level. On CloudTrail tables (the raw
// records, ids, JSON columns) it stores fewer bytes than the default level
// as well as spending less time: 3% fewer on generated trail files, 1% on
// the demo's records (BENCHMARKS.md, "Table writing"). Pages are short and
// their values repeat at short distances, which the fastest level's
// single hash table finds as well as the default's two; both entropy-code
// every literal.
type pageCodec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// maxPageWindow bounds the zstd window of page frames.
const maxPageWindow = 1 << 20

var registerCodec sync.Once

// useSharedCodec makes pageCodec arrow's zstd codec for this process. The
// encoding is standard zstd, so files written either way read the same.
func useSharedCodec() {
	registerCodec.Do(func() {
		n := runtime.GOMAXPROCS(0)
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(n), zstd.WithWindowSize(maxPageWindow),
			zstd.WithZeroFrames(true), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithAllLitEntropyCompression(true))
		if err != nil {
			panic(fmt.Sprintf("archive: zstd page encoder: %v", err)) // fixed, valid options
		}
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(n), zstd.WithDecoderMaxMemory(MaxPageSize))
		if err != nil {
			panic(fmt.Sprintf("archive: zstd page decoder: %v", err))
		}
		compress.RegisterCodec(compress.Codecs.Zstd, pageCodec{enc: enc, dec: dec})
	})
}

// MaxPageSize bounds one decompressed Parquet page; larger claims are
// refused rather than allocated.
const MaxPageSize = 256 << 20

func (c pageCodec) Encode(dst, src []byte) []byte { return c.enc.EncodeAll(src, dst[:0]) }

// EncodeLevel ignores the level: custody writes every table at zstd's
// fastest level (see pageCodec).
func (c pageCodec) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

func (c pageCodec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // arrow recovers codec panics; readers use DecodeWithError
	}
	return out
}

func (c pageCodec) DecodeWithError(dst, src []byte) ([]byte, error) {
	return c.dec.DecodeAll(src, dst[:0])
}

// CompressBound is zstd's ZSTD_COMPRESSBOUND.
func (pageCodec) CompressBound(n int64) int64 {
	extra := int64(0)
	if n < 128<<10 {
		extra = ((128 << 10) - n) >> 11
	}
	return n + n>>8 + extra
}

var _ compress.ErrorCodec = pageCodec{}
