package archive_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// seedBundle builds the fixture once per fuzz target and returns its
// directory.
func seedBundle(f *testing.F) string {
	f.Helper()
	dir := filepath.Join(f.TempDir(), "b")
	archivetest.Build(f, dir, archivetest.Options{Scale: 1})
	return dir
}

// FuzzManifest: parsing then marshalling reproduces the input exactly, or
// parsing fails. A manifest has one byte form.
func FuzzManifest(f *testing.F) {
	dir := seedBundle(f)
	mb, err := os.ReadFile(filepath.Join(dir, archive.ManifestName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mb)
	f.Add(bytes.Replace(mb, fmt.Appendf(nil, `"format_version": %d`, schemas.FormatVersion), []byte(`"format_version": 99`), 1))
	f.Add(bytes.Replace(mb, []byte("blobs/sha256/"), []byte("../sha256/"), 1))
	f.Add([]byte(`{"format_version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := archive.ParseManifest(b)
		if err != nil {
			return
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("parse then marshal changed the manifest:\n%q\n%q", b, again)
		}
		for _, file := range m.Files {
			if archive.CheckPath(file.Path) != nil {
				t.Fatalf("accepted path %q", file.Path)
			}
		}
	})
}

// FuzzOpenTar: indexing arbitrary bytes as a tar never panics, never
// accepts an unsafe name, and every accepted file lies inside the input.
func FuzzOpenTar(f *testing.F) {
	dir := seedBundle(f)
	out := filepath.Join(f.TempDir(), "b.tar")
	if err := archive.Pack(dir, out); err != nil {
		f.Fatal(err)
	}
	packed, err := os.ReadFile(out)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(packed)
	for _, h := range []*tar.Header{
		{Name: "../x", Typeflag: tar.TypeReg, Size: 1},
		{Name: "a", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		{Name: "a", Typeflag: tar.TypeReg, Size: 1 << 30},
	} {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		tw.WriteHeader(h)
		tw.Flush()
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "f.tar")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tr, err := archive.OpenTree(p)
		if err != nil {
			return
		}
		defer tr.Close()
		for _, e := range tr.Entries() {
			if archive.CheckPath(e.Name) != nil {
				t.Fatalf("accepted name %q", e.Name)
			}
			if e.Type == archive.EntryOther {
				t.Fatalf("accepted special entry %q", e.Name)
			}
			if e.Type == archive.EntryFile {
				of, err := tr.Open(e.Name)
				if err != nil {
					t.Fatal(err)
				}
				n, _ := of.Seek(0, 2)
				of.Close()
				if n != e.Size || e.Size > int64(len(b)) {
					t.Fatalf("entry %q of %d bytes in a %d byte tar", e.Name, e.Size, len(b))
				}
			}
		}
	})
}

// FuzzCustody: checking an arbitrary custody log never panics, and a chain
// whose every link holds has its head on the last line.
func FuzzCustody(f *testing.F) {
	dir := seedBundle(f)
	v := archivetest.Verifier(f, "ed25519")
	if _, err := archive.Handoff(f.Context(), dir, "legal", archivetest.Signer(f, "ed25519-other"), "n"); err != nil {
		f.Fatal(err)
	}
	cl, err := os.ReadFile(filepath.Join(dir, archive.CustodyName))
	if err != nil {
		f.Fatal(err)
	}
	r, err := archive.Open(dir)
	if err != nil {
		f.Fatal(err)
	}
	msha := r.ManifestSHA256()
	r.Close()
	f.Add(cl)
	lines := bytes.SplitAfter(cl, []byte("\n"))
	f.Add(append(append([]byte{}, lines[1]...), lines[0]...))
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		links, head, err := archive.CheckCustody(b, msha, v)
		if err != nil {
			return
		}
		for _, l := range links {
			if l.Err != nil {
				return
			}
		}
		if len(links) == 0 || head != links[len(links)-1].SHA256 || links[0].Entry.Action != "sealed" {
			t.Fatalf("valid chain of %d links with head %s", len(links), head)
		}
	})
}
