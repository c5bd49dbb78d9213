package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/custodyhq/custody/archive/hashing"
)

// newEncoder makes the zstd encoder blobs are written with: one goroutine,
// default level, frame checksums on, and literals entropy-coded even in
// blocks without matches. Without that, the encoder stores the first
// blocks of a frame of such content (half-precision model weights, say)
// uncompressed, its probe would look incompressible and the whole blob be
// stored as is; incompressible content, which it would slow, is stored as
// is before it reaches the encoder.
func newEncoder() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderCRC(true),
		zstd.WithAllLitEntropyCompression(true))
}

// A blob is stored zstd-compressed only when that saves something: the
// writer compresses the first probeSize bytes of the body (all of it, when
// it is shorter) and, when they do not shrink below compressPercent of
// their size, stores the whole blob as is. Most large evidence is already
// compressed (gzipped trail files, PDFs, zips, model weights); stored raw,
// its stored digest is its raw digest, and one SHA-256 writes or verifies
// it instead of two and a zstd pass.
//
// Content that does not compress is told sooner: the first sampleSize
// bytes are compressed first, and when they do not shrink the blob is
// stored as is without compressing the rest of the probe. A knowledge
// base's objects are mostly smaller than a probe, so without the sample
// every incompressible one was compressed whole to be stored as is.
const (
	probeSize       = 1 << 20
	sampleSize      = 32 << 10
	compressPercent = 97
)

// compresses reports whether n raw bytes that zstd encodes to z bytes are
// worth storing compressed.
func compresses(z, n int) bool { return z < n && int64(z)*100 <= int64(n)*compressPercent }

// probeBuffers hold one blob's probe: its raw bytes and their encoding.
type probeBuffers struct {
	raw []byte
	z   []byte       // a whole short body, encoded
	enc bytes.Buffer // the probe of a longer one, encoded
}

var probes = sync.Pool{New: func() any { return &probeBuffers{raw: make([]byte, probeSize)} }}

// putBlob streams body once into a temporary file, hashing the stored bytes
// on their way to disk, and hands the file to settle, which makes it
// durable and renames it to its content address while the caller goes on
// to its next body. The body's first probeSize bytes are held in memory
// while the writer decides how to store it (see compresses); a compressed
// blob also has its raw bytes hashed before they reach the zstd encoder.
// A blob already stored is not stored again. stored, if not nil, is called
// once the blob is durable under its name.
func (w *Writer) putBlob(ctx context.Context, body io.Reader, stored func(File)) (File, error) {
	var enc *zstd.Encoder
	select {
	case enc = <-w.encoders:
	case <-ctx.Done():
		return File{}, ctx.Err()
	}
	defer func() { w.encoders <- enc }()
	if enc == nil {
		var err error
		if enc, err = newEncoder(); err != nil {
			return File{}, err
		}
	}
	tmp, err := os.CreateTemp(filepath.Join(w.root, tmpDirName), "blob-*")
	if err != nil {
		return File{}, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		discard(tmp)
		return File{}, err
	}
	f, err := writeBlobFile(tmp, body, enc)
	if err != nil {
		discard(tmp)
		return File{}, err
	}
	if err := w.settle(ctx, tmp, f, stored); err != nil {
		discard(tmp)
		return File{}, err
	}
	return f, nil
}

// discard closes and removes a temporary file that will not be kept.
func discard(tmp *os.File) {
	tmp.Close()
	os.Remove(tmp.Name())
}

// blobBuffers are the write buffers between a blob's encoder and its file,
// reused: a collection stores hundreds of thousands of small blobs.
var blobBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 256<<10) }}

// writeBlobFile writes body to tmp through a pooled buffer, flushed before
// it returns.
func writeBlobFile(tmp *os.File, body io.Reader, enc *zstd.Encoder) (File, error) {
	bw := blobBuffers.Get().(*bufio.Writer)
	bw.Reset(tmp)
	defer func() {
		bw.Reset(nil)
		blobBuffers.Put(bw)
	}()
	br := &bodyReader{r: body}
	f, err := writeBlob(hashing.NewWriter(bw), br, enc)
	if err != nil {
		if br.err != nil {
			return File{}, &bodyError{br.err}
		}
		return File{}, err
	}
	return f, bw.Flush()
}

// writeBlob reads body once and writes the blob to stored, compressed or
// as is, and returns its File with digests, sizes and path.
func writeBlob(stored *hashing.Writer, body io.Reader, enc *zstd.Encoder) (File, error) {
	pb := probes.Get().(*probeBuffers)
	defer probes.Put(pb)
	pb.enc.Reset()
	n, err := io.ReadFull(body, pb.raw)
	probe := pb.raw[:n]
	if (err == nil || err == io.ErrUnexpectedEOF) && n > sampleSize {
		z := enc.EncodeAll(probe[:sampleSize], pb.z[:0])
		pb.z = z
		if !compresses(len(z), sampleSize) {
			if err == nil {
				return writeRaw(stored, probe, body)
			}
			return writeRaw(stored, probe, nil)
		}
	}
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		// The whole body is the probe: encode it in one go and keep
		// whichever form is stored.
		z := enc.EncodeAll(probe, pb.z[:0])
		pb.z = z
		if !compresses(len(z), n) {
			return writeRaw(stored, probe, nil)
		}
		if _, err := stored.Write(z); err != nil {
			return File{}, err
		}
		return blobFile(stored, hashing.Bytes(probe), int64(n)), nil
	case nil:
	default:
		return File{}, err
	}
	// A longer body: its probe goes through the encoder into memory, and
	// the encoder's output then goes on to the file if it is kept.
	out := &switchWriter{w: &pb.enc}
	enc.Reset(out)
	defer enc.Reset(nil)
	raw := hashing.NewWriter(enc)
	if _, err := raw.Write(probe); err != nil {
		return File{}, err
	}
	if err := enc.Flush(); err != nil {
		return File{}, err
	}
	if !compresses(pb.enc.Len(), n) {
		return writeRaw(stored, probe, body)
	}
	if _, err := stored.Write(pb.enc.Bytes()); err != nil {
		return File{}, err
	}
	out.w = stored
	if _, err := io.Copy(raw, body); err != nil {
		return File{}, err
	}
	if err := enc.Close(); err != nil {
		return File{}, err
	}
	return blobFile(stored, raw.Sum(), raw.Size()), nil
}

// writeRaw stores a blob as is: the probe, then the rest of the body.
func writeRaw(stored *hashing.Writer, probe []byte, rest io.Reader) (File, error) {
	if _, err := stored.Write(probe); err != nil {
		return File{}, err
	}
	if rest != nil {
		if _, err := io.Copy(stored, rest); err != nil {
			return File{}, err
		}
	}
	f := File{SHA256: stored.Sum(), Size: stored.Size()}
	f.RawSHA256, f.RawSize, f.Path = f.SHA256, f.Size, BlobPath(f.SHA256, false)
	return f, nil
}

// blobFile is the File of a blob stored compressed.
func blobFile(stored *hashing.Writer, raw string, rawSize int64) File {
	return File{SHA256: stored.Sum(), Size: stored.Size(), RawSHA256: raw, RawSize: rawSize, Path: BlobPath(raw, true)}
}

// switchWriter writes to w, which may be changed between writes.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// IsBodyError reports whether an error from Put came from reading the
// Evidence's Body rather than from the bundle.
func IsBodyError(err error) bool {
	var be *bodyError
	return errors.As(err, &be)
}
