package verify_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/verify"
)

func TestPackDeterministicAndVerifies(t *testing.T) {
	tmp := t.TempDir()
	var tars [][]byte
	for i, name := range []string{"a", "b"} {
		dir := filepath.Join(tmp, name)
		archivetest.Build(t, dir, archivetest.Options{})
		out := filepath.Join(tmp, name+".tar")
		if err := archive.Pack(dir, out); err != nil {
			t.Fatal(err)
		}
		r := run(t, out, verify.Options{})
		if !r.OK {
			t.Fatalf("packed bundle %d: %v", i, r.Problems)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		tars = append(tars, b)
	}
	// Parquet files carry no timestamps and Ed25519 signs deterministically:
	// two builds of the fixture pack to the same bytes, host name aside.
	if !bytes.Equal(tars[0], tars[1]) {
		t.Errorf("two packs of the same fixture differ")
	}
	// A flipped byte inside a file of the tar is found like in a
	// directory. The byte is in manifest.json's content: a byte of the
	// tar's padding belongs to no file.
	b := bytes.Clone(tars[0])
	at := -1
	for off := 0; off+512 <= len(b); off += 512 {
		if bytes.HasPrefix(b[off:], []byte(archive.ManifestName+"\x00")) {
			at = off + 512 + 10 // the header, then the content
			break
		}
	}
	if at < 0 {
		t.Fatal("no manifest.json in the tar")
	}
	b[at] ^= 0x01
	bad := filepath.Join(tmp, "bad.tar")
	os.WriteFile(bad, b, 0o644)
	if r := run(t, bad, verify.Options{}); r.OK {
		t.Fatal("damaged tar verified OK")
	}
}

func TestTarRefusesUnsafeEntries(t *testing.T) {
	cases := map[string]*tar.Header{
		"absolute":  {Name: "/etc/passwd", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		"dotdot":    {Name: "../x", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		"inner dot": {Name: "blobs/../../x", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		"symlink":   {Name: "manifest.json", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		"hardlink":  {Name: "manifest.json", Typeflag: tar.TypeLink, Linkname: "x"},
		"device":    {Name: "dev", Typeflag: tar.TypeChar},
		"huge name": {Name: string(bytes.Repeat([]byte("a/"), 2000)) + "x", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		"huge size": {Name: "x", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0o644},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg && h.Size == 1 {
				tw.Write([]byte("x"))
			}
			tw.Flush() // not Close: a huge entry was not written in full
			p := filepath.Join(t.TempDir(), "b.tar")
			os.WriteFile(p, buf.Bytes(), 0o644)
			expectOne(t, run(t, p, verify.Options{}), verify.KindBadArchive, "")
		})
	}
}
