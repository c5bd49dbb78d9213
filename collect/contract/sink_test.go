package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// memSink keeps evidence in memory. Bodies are hashed as they are read,
// once, as the bundle writer does, and the sha256 is given to the row.
type memSink struct {
	mu    sync.Mutex
	ev    []collect.Evidence
	gaps  []collect.Gap
	blobs map[string][]byte // sha256 -> content
}

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	if e.Body != nil {
		h := sha256.New()
		b, err := io.ReadAll(io.TeeReader(e.Body, h))
		if err != nil {
			return err
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if br, ok := e.Row.(schemas.BlobRow); ok {
			br.SetBlob(sum, int64(len(b)))
		}
		s.mu.Lock()
		if s.blobs == nil {
			s.blobs = map[string][]byte{}
		}
		s.blobs[sum] = b
		s.mu.Unlock()
		e.Body = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ev = append(s.ev, e)
	return nil
}

func (s *memSink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

// rows returns the rows of one kind, in the order they came.
func rows[T schemas.Row](s *memSink, kind string) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	for _, e := range s.ev {
		if r, ok := e.Row.(T); ok && e.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}
