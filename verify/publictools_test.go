package verify_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
)

// TestPublicTools checks a bundle the way an auditor without custody would:
// coreutils sha256sum over SHA256SUMS, sha256sum over a blob stored as is,
// and zstd plus sha256sum over a compressed one.
func TestPublicTools(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("no sha256sum")
	}
	dir := archivetest.Fixture(t)
	cmd := exec.Command("sha256sum", "-c", "--strict", "--quiet", archive.SumsName)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, noZstd := exec.LookPath("zstd")
	forms := map[bool]int{}
	for _, f := range r.Manifest().Files {
		if !f.IsBlob() {
			continue
		}
		// A blob stored as is hashes to its name; a compressed one
		// decompresses to content that does.
		script := "sha256sum " + f.Path
		if f.Compressed() {
			if noZstd != nil {
				continue
			}
			script = "zstd -dc " + f.Path + " | sha256sum"
		}
		forms[f.Compressed()]++
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), f.RawSHA256) {
			t.Errorf("%s: %q, %v; want %s", script, out, err, f.RawSHA256)
		}
	}
	if forms[false] == 0 || (noZstd == nil && forms[true] == 0) {
		t.Errorf("checked %d compressed blobs and %d stored as is; the fixture has both", forms[true], forms[false])
	}
}
