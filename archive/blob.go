package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/custodyhq/custody/archive/hashing"
)

// newEncoder makes the zstd encoder blobs are written with: one goroutine,
// default level, frame checksums on.
func newEncoder() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderCRC(true))
}

// putBlob streams body once through a SHA-256 of the raw bytes and a zstd
// encoder into a temporary file, hashing the stored bytes on their way to
// disk, then renames it to its content address. A blob already stored is
// not stored again.
func (w *Writer) putBlob(ctx context.Context, body io.Reader) (File, error) {
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
	keep := false
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return File{}, err
	}
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	stored := hashing.NewWriter(bw)
	enc.Reset(stored)
	raw := hashing.NewWriter(enc)
	br := &bodyReader{r: body}
	if _, err := io.Copy(raw, br); err != nil {
		enc.Reset(nil)
		if br.err != nil {
			return File{}, &bodyError{br.err}
		}
		return File{}, err
	}
	if err := enc.Close(); err != nil {
		return File{}, err
	}
	enc.Reset(nil)
	if err := bw.Flush(); err != nil {
		return File{}, err
	}
	f := File{SHA256: stored.Sum(), Size: stored.Size(), RawSHA256: raw.Sum(), RawSize: raw.Size()}
	f.Path = BlobPath(f.RawSHA256)
	if err := tmp.Sync(); err != nil {
		return File{}, err
	}
	if err := tmp.Close(); err != nil {
		return File{}, err
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if have, ok := w.blobs[f.RawSHA256]; ok {
		os.Remove(tmp.Name())
		keep = true
		return have, nil
	}
	if err := w.mkdirLocked(filepath.Dir(f.Path)); err != nil {
		return File{}, err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(w.root, f.Path)); err != nil {
		return File{}, fmt.Errorf("store blob: %w", err)
	}
	keep = true
	w.blobs[f.RawSHA256] = f
	return f, nil
}

// IsBodyError reports whether an error from Put came from reading the
// Evidence's Body rather than from the bundle.
func IsBodyError(err error) bool {
	var be *bodyError
	return errors.As(err, &be)
}
