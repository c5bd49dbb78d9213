package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/custodyhq/custody/archive/internal/durable"
)

// Pack writes a bundle directory as one tar file at out, for transfer. The
// tar holds the bundle's tree with no leading directory, entries sorted by
// name, and every header normalized (mode 0644 or 0755, owner 0, modification
// time the manifest's seal time), so the same bundle always packs to the
// same bytes. Links and special files are refused. out is written through a
// temporary file and appears only when complete.
func Pack(dir, out string) error {
	r, err := Open(dir)
	if err != nil {
		return fmt.Errorf("archive: pack: %w", err)
	}
	defer r.Close()
	t := r.Tree()
	if t.IsTar() {
		return fmt.Errorf("archive: pack: %s is already a tar", dir)
	}
	mtime := r.Manifest().Sealed.UTC().Truncate(time.Second)
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("archive: pack: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	tw := tar.NewWriter(f)
	for _, e := range t.Entries() {
		h := &tar.Header{Name: e.Name, ModTime: mtime, Format: tar.FormatPAX}
		switch e.Type {
		case EntryDir:
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, e.Name+"/", 0o755
		case EntryFile:
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, e.Size
		default:
			return fmt.Errorf("archive: pack: %s is not a regular file or directory", e.Name)
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("archive: pack %s: %w", e.Name, err)
		}
		if e.Type != EntryFile {
			continue
		}
		if err := copyEntry(tw, t, e); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archive: pack: %w", err)
	}
	if err := durable.Commit(f, out); err != nil {
		return err
	}
	done = true
	return durable.SyncDir(filepath.Dir(out))
}

func copyEntry(w io.Writer, t *Tree, e Entry) error {
	of, err := t.Open(e.Name)
	if err != nil {
		return fmt.Errorf("archive: pack: %w", err)
	}
	defer of.Close()
	n, err := io.Copy(w, of)
	if err == nil && n != e.Size {
		err = fmt.Errorf("size changed while packing")
	}
	if err != nil {
		return fmt.Errorf("archive: pack %s: %w", e.Name, err)
	}
	return nil
}
