//go:build unix

package verify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// killChildEnv, when set, makes the test binary write one bundle at the
// path it names and exit, instead of running tests.
const killChildEnv = "CUSTODY_KILL_CHILD_OUT"

func TestMain(m *testing.M) {
	if out := os.Getenv(killChildEnv); out != "" {
		if err := writeKillChild(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeKillChild writes and seals a bundle of thousands of rows in every
// table and dozens of blobs, all distinct, so that a kill can land in
// any phase: table files, blobs, directory syncs, the root files, the
// rename.
func writeKillChild(out string) error {
	ctx := context.Background()
	signer, _, err := archive.LoadSigner(ctx, archivetest.KeyPath("ed25519.key"), nil)
	if err != nil {
		return err
	}
	w, err := archive.Create(out, archive.WriterOptions{Signer: signer, Actor: "responder@example.com", ToolVersion: "v0.0.0-test", BlobWorkers: 2, RowsPerFile: 500})
	if err != nil {
		return err
	}
	w.SetRun(archivetest.Run())
	for _, e := range archivetest.Evidence(600) {
		if err := w.Put(ctx, e); err != nil {
			w.Abort()
			return err
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		body := make([]byte, 32<<10)
		for j := range body {
			body[j] = byte('a' + r.IntN(16)) // half compressible
		}
		t := archivetest.Targets[i%len(archivetest.Targets)]
		e := schemas.Evidence{
			Kind:       schemas.KindS3Object,
			Unit:       schemas.Unit{Source: "kbobjects", ID: "kbobjects-" + t.Region, Target: t},
			ObjectID:   "s3://kb-docs/doc-" + strconv.Itoa(i),
			ObservedAt: archivetest.Epoch,
			Row:        &schemas.Object{Bucket: "kb-docs", Key: "doc-" + strconv.Itoa(i), VersionID: "v1", IsLatest: true, Size: int64(len(body)), StorageClass: "STANDARD", Operation: "GetObject"},
			Body:       bytes.NewReader(body),
		}
		if err := w.Put(ctx, e); err != nil {
			w.Abort()
			return err
		}
	}
	for _, g := range archivetest.Gaps() {
		if err := w.Gap(ctx, g); err != nil {
			w.Abort()
			return err
		}
	}
	_, err = w.Close(ctx)
	return err
}

// TestKillNine kills a process writing a bundle with SIGKILL at seeded
// random moments. Whatever the moment, what is left is either no sealed
// bundle (a .partial directory, or nothing) or a sealed bundle that
// verifies: never a sealed bundle that fails.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 20 writers; not in -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(20261122)
	if s := os.Getenv("CUSTODY_KILL_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CUSTODY_KILL_SEED: %v", err)
		}
	}
	t.Logf("seed %d (set CUSTODY_KILL_SEED to repeat another)", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	dir := t.TempDir()
	verifier := archivetest.Verifier(t, "ed25519")

	// One run to completion, timed: the kills are spread over its length.
	start := time.Now()
	full := filepath.Join(dir, "full")
	if out, err := killChild(exe, full).CombinedOutput(); err != nil {
		t.Fatalf("unkilled writer: %v\n%s", err, out)
	}
	length := time.Since(start)
	checkAfterKill(t, full, verifier, true)
	t.Logf("an unkilled writer takes %v", length)

	const iterations = 20
	budget := 40 * time.Second
	began := time.Now()
	var sealed, partial, none int
	for i := range iterations {
		if time.Since(began) > budget {
			t.Logf("time budget spent after %d kills", i)
			break
		}
		// Half the kills anywhere in the run, half in its last fifth,
		// where sealing writes the root files and renames.
		var at time.Duration
		if i%2 == 0 {
			at = time.Duration(rng.Int64N(int64(length)))
		} else {
			at = length*4/5 + time.Duration(rng.Int64N(int64(length)/4+1))
		}
		out := filepath.Join(dir, fmt.Sprintf("b%02d", i))
		cmd := killChild(exe, out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(at)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		cmd.Wait()
		switch checkAfterKill(t, out, verifier, false) {
		case "sealed":
			sealed++
		case "partial":
			partial++
		default:
			none++
		}
	}
	t.Logf("after kills: %d sealed and verified, %d left .partial, %d nothing", sealed, partial, none)
	if partial == 0 {
		t.Errorf("no kill landed while the bundle was being written: the kill times do not exercise the writer")
	}
}

func killChild(exe, out string) *exec.Cmd {
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+out)
	return cmd
}

// checkAfterKill checks what a killed writer left at out and says which
// state it found: "sealed", "partial" or "none".
func checkAfterKill(t *testing.T, out string, v signature.Verifier, mustSeal bool) string {
	t.Helper()
	_, err := os.Lstat(out)
	_, perr := os.Lstat(out + ".partial")
	switch {
	case err == nil:
		if perr == nil {
			t.Errorf("%s: both the sealed bundle and its .partial exist", out)
		}
		r, verr := verify.Verify(context.Background(), out, verify.Options{Verifier: v})
		if verr != nil {
			t.Fatalf("%s: verify: %v", out, verr)
		}
		if !r.OK {
			t.Errorf("%s: a sealed bundle that does not verify: %v", out, r.Problems)
		}
		return "sealed"
	case !errors.Is(err, os.ErrNotExist):
		t.Fatal(err)
	case mustSeal:
		t.Fatalf("%s: no bundle after an unkilled run", out)
	case perr == nil:
		return "partial"
	}
	return "none"
}
