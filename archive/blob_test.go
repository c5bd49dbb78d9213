package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/schemas"
)

// TestBlobForms writes bodies on both sides of the compression decision,
// shorter and longer than the probe, and reads each back: the form, the
// digests and sizes in the manifest, the file at its path, the content.
func TestBlobForms(t *testing.T) {
	random := func(n int, seed uint64) []byte {
		b := make([]byte, n)
		rng := rand.New(rand.NewPCG(seed, 1))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	text := func(n int) []byte { return []byte(strings.Repeat("GetObject kb-docs/q3.md 200\n", n/28+1)[:n]) }
	// Mostly random with a compressible first MiB: the probe decides.
	mixed := append(text(1<<20), random(2<<20, 9)...)
	// Every other byte random: no matches, only entropy coding gains
	// (about 0.8), from the first block on.
	halfRandom := func(seed uint64) []byte {
		b := random(1<<20+1<<18, seed)
		for i := 1; i < len(b); i += 2 {
			b[i] = 'a' + byte(i%7)
		}
		return b
	}
	cases := []struct {
		name       string
		body       []byte
		compressed bool
	}{
		{"empty", nil, false},
		{"tiny", []byte("second document\n"), false},
		{"short text", text(64 << 10), true},
		{"short random", random(64<<10, 1), false},
		{"exactly the probe, random", random(1<<20, 2), false},
		{"long text", text(3<<20 + 17), true},
		{"long random", random(3<<20+17, 3), false},
		{"long, compressible probe", mixed, true},
		// The first 32 KiB decide for content that does not compress.
		{"short, random sample then text", append(random(32<<10, 4), text(200<<10)...), false},
		{"long, random sample then text", append(random(32<<10, 5), text(3<<20)...), false},
		{"short, text sample then random", append(text(32<<10), random(40<<10, 6)...), true},
	}
	for seed := range uint64(8) {
		cases = append(cases, struct {
			name       string
			body       []byte
			compressed bool
		}{fmt.Sprintf("long, half random %d", seed), halfRandom(seed), true})
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), Now: archivetest.Clock(), BlobWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	w.SetRun(archivetest.Run())
	put := func(body []byte) {
		t.Helper()
		// A reader that returns little at a time, as a network body does.
		err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "kbobjects", ID: "u", Target: archivetest.Targets[0]},
			Body: io.MultiReader(bytes.NewReader(body[:len(body)/3]), bytes.NewReader(body[len(body)/3:]))})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		put(c.body)
		put(c.body) // stored once
	}
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.FormatVersion != schemas.FormatVersion || m.Blobs.Count != int64(len(cases)) {
		t.Fatalf("version %d with %d blobs, want version %d with %d", m.FormatVersion, m.Blobs.Count, schemas.FormatVersion, len(cases))
	}
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	files := map[string]archive.File{}
	for _, f := range r.Manifest().Files {
		files[f.RawSHA256] = f
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := hashing.Bytes(c.body)
			f, ok := files[raw]
			if !ok {
				t.Fatalf("no blob %s", raw)
			}
			if f.Compressed() != c.compressed || f.Path != archive.BlobPath(raw, c.compressed) || f.RawSize != int64(len(c.body)) {
				t.Fatalf("%+v; want compressed %v, %d raw bytes", f, c.compressed, len(c.body))
			}
			stored, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			if hashing.Bytes(stored) != f.SHA256 || int64(len(stored)) != f.Size {
				t.Errorf("file of %d bytes with sha256 %s, manifest says %d with %s", len(stored), hashing.Bytes(stored), f.Size, f.SHA256)
			}
			if !c.compressed && !bytes.Equal(stored, c.body) {
				t.Errorf("a blob stored as is differs from its body")
			}
			if c.compressed && f.Size*100 > f.RawSize*97 {
				t.Errorf("compressed to %d of %d bytes, more than the threshold", f.Size, f.RawSize)
			}
			rc, err := r.OpenBlob(raw)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, c.body) {
				t.Errorf("OpenBlob: %d bytes, %v; want the body's %d", len(got), err, len(c.body))
			}
		})
	}
}

// TestOpenBlobRawChecksContent: a blob stored as is whose file was changed
// is refused by its reader at EOF, as a compressed one is.
func TestOpenBlobRawChecksContent(t *testing.T) {
	dir := archivetest.Fixture(t)
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.Manifest().Files {
		if !f.IsBlob() || f.Compressed() {
			continue
		}
		p := filepath.Join(dir, f.Path)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[0] ^= 1
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		rc, err := r.OpenBlob(f.RawSHA256)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(rc)
		rc.Close()
		if err == nil || !strings.Contains(err.Error(), "does not match its address") {
			t.Fatalf("changed blob read back with %v", err)
		}
		return
	}
	t.Fatal("the fixture has no blob stored as is")
}

// A blob that cannot be named after its content (here a directory is in
// the way) fails the bundle: the Put that handed it over may already have
// returned, so the next Put or Close says so, and nothing is sealed.
func TestBlobNamingFailureFailsTheBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	body := "a short body zstd does not shrink"
	in := filepath.Join(dir+".partial", filepath.FromSlash(archive.BlobPath(hashing.Bytes([]byte(body)), false)), "in-the-way")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func() error {
		return w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, ObjectID: "s3://b/k", Body: strings.NewReader(body)})
	}
	if err := put(); err != nil {
		t.Fatalf("the failure surfaced before the blob was handed over: %v", err)
	}
	archive.WaitSettled(w)
	if err := put(); err == nil || !strings.Contains(err.Error(), "store blob") {
		t.Errorf("Put after a blob could not be named: %v", err)
	}
	if _, err := w.Close(ctx); err == nil {
		t.Fatal("sealed a bundle missing a blob")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a sealed bundle exists: %v", err)
	}
}
