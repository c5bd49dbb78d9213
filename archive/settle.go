package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// settling bounds the blobs written but not yet durable under their names.
// fsync waits on the disk, not the CPU: while one blob's file is synced,
// the writer encodes and hashes the next.
const settling = 16

// settle makes a written blob durable and names it, on a goroutine of its
// own: fsync, close, then rename to its content address unless the same
// content was stored meanwhile. A failure is the writer's: the next Put
// and Close return it. Close waits for every blob handed over. settle
// returns an error only when ctx ends before the blob could be handed
// over, and then the caller still owns tmp.
func (w *Writer) settle(ctx context.Context, tmp *os.File, f File, stored func(File)) error {
	select {
	case w.settles <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.settled.Add(1)
	go func() {
		defer w.settled.Done()
		defer func() { <-w.settles }()
		if err := w.name(tmp, f); err != nil {
			w.setErr(fmt.Errorf("archive: store blob %s: %w", f.RawSHA256, err))
			return
		}
		if stored != nil {
			stored(f)
		}
	}()
	return nil
}

// name syncs, closes and renames tmp to f's path.
func (w *Writer) name(tmp *os.File, f File) error {
	if err := tmp.Sync(); err != nil {
		discard(tmp)
		return err
	}
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
