package archive

import "github.com/apache/arrow-go/v18/parquet/compress"

// WaitSettled waits until every blob handed to Put is durable under its
// name, as a run killed a while after its last Put leaves them.
func WaitSettled(w *Writer) { w.settled.Wait() }

// PageCodec registers custody's Parquet page codec and returns it.
func PageCodec() compress.Codec {
	useSharedCodec()
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		panic(err)
	}
	return c
}

// NewBlobEncoder makes the zstd encoder blobs are written with.
var NewBlobEncoder = newEncoder

// PoisonFreedBuffers makes the table writer's buffer pool overwrite every
// buffer it takes back, for the rest of the test.
func PoisonFreedBuffers(t interface{ Cleanup(func()) }) {
	poisonFreed.Store(true)
	t.Cleanup(func() { poisonFreed.Store(false) })
}
