// Package hashing computes a SHA-256 digest and a byte count of what passes
// through a writer or reader, so nothing is read twice to hash it.
package hashing

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// Writer passes writes to an underlying writer and hashes what was written.
type Writer struct {
	w io.Writer
	h hash.Hash
	n int64
}

// NewWriter returns a Writer over w; w may be nil to only hash.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, h: sha256.New()} }

func (w *Writer) Write(p []byte) (int, error) {
	if w.w == nil {
		w.h.Write(p)
		w.n += int64(len(p))
		return len(p), nil
	}
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// Sum is the lowercase hex SHA-256 of everything written so far.
func (w *Writer) Sum() string { return hex.EncodeToString(w.h.Sum(nil)) }

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.n }

// Reader hashes what is read through it.
type Reader struct {
	r io.Reader
	h hash.Hash
	n int64
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r, h: sha256.New()} }

func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	return n, err
}

// Sum is the lowercase hex SHA-256 of everything read so far.
func (r *Reader) Sum() string { return hex.EncodeToString(r.h.Sum(nil)) }

// Size is the number of bytes read so far.
func (r *Reader) Size() int64 { return r.n }

// Bytes returns the lowercase hex SHA-256 of b.
func Bytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
