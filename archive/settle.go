package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/custodyhq/custody/archive/internal/durable"
)

// A written blob waits in the settle queue until it is durable and named:
// one goroutine takes every blob waiting, makes their content durable
// together (durable.SyncAll: one syncfs for many files on Linux), then
// renames each to its content address. A disk commits a few hundred
// separate fsyncs a second, fewer than the small objects of a knowledge
// base arrive; together, the blobs waiting while one batch is synced are
// the next batch. The content of each is durable before its name appears,
// as with an fsync each.
const (
	settleQueue = 256 // blobs written and waiting to be synced and named
	settleBatch = 256 // blobs synced together at most
)

// settling is a blob written to its temporary file, flushed and waiting.
type settling struct {
	tmp    *os.File
	f      File
	stored func(File) // nil, or called once the blob is named
}

// settle hands a written blob to the settler. A failure there is the
// writer's: the next Put and Close return it, and Close waits for every
// blob handed over. settle returns an error only when ctx ends before the
// blob could be handed over, and then the caller still owns tmp.
func (w *Writer) settle(ctx context.Context, tmp *os.File, f File, stored func(File)) error {
	w.settled.Add(1)
	select {
	case w.settles <- settling{tmp, f, stored}:
		return nil
	case <-ctx.Done():
		w.settled.Done()
		return ctx.Err()
	}
}

// settler syncs and names the blobs handed to settle, in batches, until
// the queue is closed. It is one of the writer's goroutines (w.wg).
func (w *Writer) settler() {
	defer w.wg.Done()
	batch := make([]settling, 0, settleBatch)
	for s := range w.settles {
		batch = append(batch[:0], s)
	more:
		for len(batch) < settleBatch {
			select {
			case s, ok := <-w.settles:
				if !ok {
					break more
				}
				batch = append(batch, s)
			default:
				break more
			}
		}
		w.settleBatch(batch)
		w.settled.Add(-len(batch))
		clear(batch)
	}
}

func (w *Writer) settleBatch(batch []settling) {
	files := make([]*os.File, len(batch))
	for i, s := range batch {
		files[i] = s.tmp
	}
	if err := durable.SyncAll(files); err != nil {
		for _, s := range batch {
			discard(s.tmp)
		}
		w.setErr(fmt.Errorf("archive: store blobs: %w", err))
		return
	}
	for _, s := range batch {
		if err := w.name(s.tmp, s.f); err != nil {
			w.setErr(fmt.Errorf("archive: store blob %s: %w", s.f.RawSHA256, err))
			continue
		}
		if s.stored != nil {
			s.stored(s.f)
		}
	}
}

// name closes a durable tmp and renames it to f's path, unless the same
// content was stored meanwhile.
func (w *Writer) name(tmp *os.File, f File) error {
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.blobs[f.RawSHA256]; ok {
		os.Remove(tmp.Name())
		return nil
	}
	if err := w.mkdirLocked(filepath.Dir(f.Path)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(w.root, f.Path)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	w.blobs[f.RawSHA256] = f
	return nil
}
