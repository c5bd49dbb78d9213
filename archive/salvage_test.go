package archive_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// putObjects stores n bodies through a writer left unsealed, as a killed
// run leaves it.
func putObjects(t *testing.T, dir string, n int) *archive.Writer {
	t.Helper()
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		key := "doc-" + string(rune('a'+i))
		body := strings.Repeat("content of "+key+" ", 1+i*100)
		if i == 1 {
			body = string(make([]byte, 5000)) // compressible: stored .zst
		}
		e := schemas.Evidence{
			Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "s3.objects", ID: "u", Target: archivetest.Targets[0]},
			ObjectID: "s3://b/" + key, Row: &schemas.Object{Bucket: "b", Key: key, Size: int64(len(body))},
			Provenance: schemas.Provenance{Service: "s3", Operation: "GetObject", RequestID: "req-" + key},
			Body:       strings.NewReader(body),
		}
		if err := w.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	archive.WaitSettled(w)
	return w
}

func TestSalvageReadsWhatAKilledRunStored(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w := putObjects(t, dir, 4)
	defer w.Abort()
	journal := filepath.Join(dir+".partial", ".tmp", "journal.jsonl")
	// A kill can tear the last line; a forged line may name any path.
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, `{"id":"s3://b/forged","kind":"aws.s3.object","sha256":"`+strings.Repeat("ab", 32)+`","size":4,"path":"../../../../etc/passwd"}`+"\n")
	io.WriteString(f, `{"id":"s3://b/torn","sha2`)
	f.Close()

	s, err := archive.OpenSalvage(dir) // the bundle path names its .partial
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 5 || s.Torn != 1 {
		t.Fatalf("salvage: %d entries, %d torn; want 5 and 1", s.Len(), s.Torn)
	}
	for _, key := range []string{"doc-a", "doc-b", "doc-c", "doc-d"} {
		row, prov, open, ok := s.Preserved("s3://b/" + key)
		if !ok || prov.RequestID != "req-"+key || !strings.Contains(string(row), `"`+key+`"`) {
			t.Fatalf("%s: ok=%v prov=%+v row=%s", key, ok, prov, row)
		}
		rc, err := open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || len(b) == 0 {
			t.Errorf("%s: read %d bytes, %v", key, len(b), err)
		}
	}
	// The forged entry's path is not followed: its blob is looked for
	// under its digest, and there is none.
	if _, _, open, ok := s.Preserved("s3://b/forged"); ok {
		if rc, err := open(); err == nil {
			rc.Close()
			t.Error("a journal entry opened a file its digest does not address")
		}
	}
	if _, _, _, ok := s.Preserved("s3://b/missing"); ok {
		t.Error("an object never stored was found")
	}
}

func TestSalvageRefusesAChangedBlob(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w := putObjects(t, dir, 1)
	defer w.Abort()
	var blob string
	filepath.WalkDir(filepath.Join(dir+".partial", "blobs"), func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			blob = p
		}
		return nil
	})
	b, _ := os.ReadFile(blob)
	b[len(b)/2] ^= 1
	os.WriteFile(blob, b, 0o644)
	s, err := archive.OpenSalvage(dir + ".partial")
	if err != nil {
		t.Fatal(err)
	}
	_, _, open, _ := s.Preserved("s3://b/doc-a")
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("a changed blob was read back without error")
	}
}

func TestSealedBundleKeepsNoJournal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w := putObjects(t, dir, 2)
	if _, err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp")); !os.IsNotExist(err) {
		t.Errorf("sealed bundle holds the writer's temporary directory: %v", err)
	}
	if _, err := archive.OpenSalvage(dir); err == nil {
		t.Error("a sealed bundle was taken for a killed run")
	}
}
