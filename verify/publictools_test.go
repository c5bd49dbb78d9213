package verify_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
)

// TestPublicTools checks a bundle the way an auditor without custody would:
// coreutils sha256sum over SHA256SUMS, and zstd plus sha256sum over a blob.
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
	if _, err := exec.LookPath("zstd"); err != nil {
		return
	}
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.Manifest().Files {
		if !f.IsBlob() {
			continue
		}
		cmd := exec.Command("sh", "-c", "zstd -dc "+f.Path+" | sha256sum")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), f.RawSHA256) {
			t.Errorf("zstd -dc %s | sha256sum: %q, %v; want %s", f.Path, out, err, f.RawSHA256)
		}
	}
}
