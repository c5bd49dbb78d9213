package verify_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/verify"
)

// handedTwice builds a fixture handed from the responder to legal, then
// from legal to the auditor, and returns it with both receipts.
func handedTwice(t *testing.T) (dir string, heads []string) {
	t.Helper()
	dir = archivetest.Fixture(t)
	ctx := context.Background()
	for _, to := range []string{"legal@example.com", "auditor@example.com"} {
		signer := archivetest.Signer(t, "ed25519-other")
		if to == "legal@example.com" {
			signer = archivetest.Signer(t, "ed25519")
		}
		h, err := archive.Handoff(ctx, dir, to, signer, "sealed drive #4")
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, h)
	}
	return dir, heads
}

func TestHandoffChain(t *testing.T) {
	dir, heads := handedTwice(t)
	for _, h := range heads {
		r := run(t, dir, verify.Options{ExpectHead: h})
		if !r.OK {
			t.Fatalf("after handoff: %v", r.Problems)
		}
		if len(r.Custody) != 3 || r.Head != heads[1] || r.Custody[2].To != "auditor@example.com" {
			t.Fatalf("custody %+v head %s", r.Custody, r.Head)
		}
	}
	expectOne(t, run(t, dir, verify.Options{ExpectHead: "00" + heads[1][2:]}), verify.KindCustodyChain, archive.CustodyName)
}

func lines(t *testing.T, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, archive.CustodyName))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

func writeLines(t *testing.T, dir string, ls [][]byte) {
	t.Helper()
	var b []byte
	for _, l := range ls {
		b = append(b, bytes.TrimSuffix(l, []byte("\n"))...)
		b = append(b, '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, archive.CustodyName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCustodyDamage(t *testing.T) {
	t.Run("drop last with receipt", func(t *testing.T) {
		dir, heads := handedTwice(t)
		ls := lines(t, dir)
		writeLines(t, dir, ls[:2])
		expectOne(t, run(t, dir, verify.Options{ExpectHead: heads[1]}), verify.KindCustodyChain, archive.CustodyName)
		// Without the receipt a truncated chain is still a valid chain.
		if r := run(t, dir, verify.Options{}); !r.OK {
			t.Fatalf("prefix of a chain: %v", r.Problems)
		}
	})
	t.Run("swap", func(t *testing.T) {
		dir, _ := handedTwice(t)
		ls := lines(t, dir)
		writeLines(t, dir, [][]byte{ls[0], ls[2], ls[1]})
		r := run(t, dir, verify.Options{})
		if r.OK || !r.Has(verify.KindCustodyChain) || len(r.Problems) != 2 {
			t.Fatalf("problems %v, want a custody chain problem for each moved entry", r.Problems)
		}
	})
	t.Run("drop middle", func(t *testing.T) {
		dir, _ := handedTwice(t)
		ls := lines(t, dir)
		writeLines(t, dir, [][]byte{ls[0], ls[2]})
		expectOne(t, run(t, dir, verify.Options{}), verify.KindCustodyChain, archive.CustodyName)
	})
	t.Run("entry zero by another key", func(t *testing.T) {
		dir, _ := handedTwice(t)
		ls := lines(t, dir)
		forged, err := archive.SignCustodyEntry(archivetest.Signer(t, "ed25519-other"), archive.CustodyEntry{Action: "sealed", ManifestSHA256: run(t, dir, verify.Options{}).ManifestSHA256})
		if err != nil {
			t.Fatal(err)
		}
		writeLines(t, dir, [][]byte{forged})
		expectOne(t, run(t, dir, verify.Options{}), verify.KindCustodyChain, archive.CustodyName)
		_ = ls
	})
	t.Run("handoff refuses a broken chain", func(t *testing.T) {
		dir, _ := handedTwice(t)
		ls := lines(t, dir)
		writeLines(t, dir, [][]byte{ls[0], ls[2]})
		if _, err := archive.Handoff(context.Background(), dir, "x", archivetest.Signer(t, "ed25519"), ""); err == nil {
			t.Fatal("Handoff extended a broken chain")
		}
	})
}
