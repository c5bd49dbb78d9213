package durable

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSyncAll(t *testing.T) {
	dir := t.TempDir()
	var files []*os.File
	for i := range 3 {
		f, err := os.Create(filepath.Join(dir, string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString("content"); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for n := range len(files) + 1 {
		if err := SyncAll(files[:n]); err != nil {
			t.Errorf("%d files: %v", n, err)
		}
	}
	// A file that can no longer be synced fails the batch, however it is
	// synced.
	files[1].Close()
	for _, batch := range [][]*os.File{files[1:2], files} {
		if err := SyncAll(batch); err == nil {
			t.Errorf("%d files, one closed: synced", len(batch))
		}
	}
}
