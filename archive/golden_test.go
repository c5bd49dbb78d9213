package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

var update = flag.Bool("update", false, "rewrite golden files")

// normalized is the fixture manifest with what depends on the machine and
// the build blanked out, and its digests, which depend on the Parquet
// library version, dropped: the rows are compared instead.
func normalized(t *testing.T, m *archive.Manifest) []byte {
	t.Helper()
	c := *m
	c.Host = archive.Host{Name: "HOST", OS: "OS", Arch: "ARCH"}
	c.Tool.GoVersion, c.Tool.Module, c.Tool.Revision, c.Tool.Modified = "GO", "", "", false
	c.Files = slices.Clone(m.Files)
	c.Blobs.StoredBytes = 0
	for i := range c.Files {
		// Parquet and zstd output may change with the library version;
		// raw blob digests, row counts and paths may not.
		c.Files[i].SHA256, c.Files[i].Size = "", 0
	}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rowsJSONL dumps every table as sorted JSON lines: partition, envelope, row.
func rowsJSONL(t *testing.T, r *archive.Reader) []byte {
	t.Helper()
	var lines []string
	for _, table := range schemas.TableNames() {
		err := r.ScanRows(context.Background(), table, func(p archive.Partition, m schemas.Meta, row schemas.Row) error {
			b, err := json.Marshal(struct {
				Table     string
				Partition archive.Partition
				Meta      schemas.Meta
				Row       schemas.Row
			}{table, p, m, row})
			lines = append(lines, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(lines)
	var out bytes.Buffer
	for _, l := range lines {
		out.WriteString(l)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./archive -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run with -update and describe it in BUNDLE.md", name)
	}
}

// TestGolden: with an injected clock and the Ed25519 test key, the fixture
// is reproducible: the same manifest and signature bytes on every build,
// and the same rows as the committed golden files.
func TestGolden(t *testing.T) {
	tmp := t.TempDir()
	var sigs [][]byte
	var r *archive.Reader
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(tmp, name)
		archivetest.Build(t, dir, archivetest.Options{})
		sig, err := os.ReadFile(filepath.Join(dir, archive.SignatureName))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
		if r == nil {
			if r, err = archive.Open(dir); err != nil {
				t.Fatal(err)
			}
			defer r.Close()
		}
	}
	if !bytes.Equal(sigs[0], sigs[1]) {
		t.Error("two builds of the fixture are signed differently")
	}
	golden(t, "fixture.manifest.json", normalized(t, r.Manifest()))
	golden(t, "fixture.rows.jsonl", rowsJSONL(t, r))
}
