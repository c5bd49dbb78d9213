package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

func testEnv() *env {
	return &env{stdin: bytes.NewReader(nil), stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
}

// collectLab starts a lab with opts, collects its whole organization with
// `collect --org --regions all` over the scenario's window, and returns the
// bundle directory, the public key and the lab.
func collectLab(t *testing.T, opts lab.Options) (string, string, *lab.Server) {
	t.Helper()
	srv, err := lab.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	key, err := archive.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	if err := archive.WriteKeyPair(filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub"), key, nil); err != nil {
		t.Fatal(err)
	}
	r := srv.Responder()
	since, until := srv.Scenario().Window()
	out := filepath.Join(dir, "bundle")
	_, err = runCollect(context.Background(), testEnv(), &collectOptions{
		EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
		Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"all"},
		Since: since, Until: until, Sources: sourceNames, Case: "e2e", Out: out,
		Key: filepath.Join(dir, "k.key"), Parallel: collect.DefaultParallel, DefaultRate: 50, Quiet: true,
	})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return out, filepath.Join(dir, "k.pub"), srv
}

// assertMatchesLab checks the bundle verifies, has no gaps, and holds
// exactly the CloudTrail events the lab holds for the window: the same
// event ids in every account and region, none missing, none doubled. And
// that the lab saw only read operations.
func assertMatchesLab(t *testing.T, bundle, pub string, srv *lab.Server) {
	t.Helper()
	ctx := context.Background()
	v, err := archive.LoadVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(ctx, bundle, verify.Options{Verifier: v})
	if err != nil || !rep.OK {
		t.Fatalf("verify: err %v, problems %v", err, rep.Problems)
	}
	rd, err := archive.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	m := rd.Manifest()
	if len(m.Gaps) != 0 {
		t.Errorf("%d gaps, want none; first: %+v", len(m.Gaps), m.Gaps[0])
	}
	got := map[string][]string{}
	err = rd.ScanRows(ctx, schemas.TableCloudTrailEvents, func(p archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		k := p.Account + "/" + p.Region
		got[k] = append(got[k], ev.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sc := srv.Scenario()
	since, until := sc.Window()
	total := 0
	for _, acct := range sc.Accounts() {
		for _, region := range sc.Regions() {
			k := acct + "/" + region
			want := slices.Clone(sc.EventIDs(acct, region, since, until))
			have := slices.Clone(got[k])
			slices.Sort(want)
			slices.Sort(have)
			if !slices.Equal(want, have) {
				t.Errorf("%s: collected %d events, lab holds %d (or ids differ)", k, len(have), len(want))
			}
			total += len(want)
			delete(got, k)
		}
	}
	for k, ids := range got {
		t.Errorf("%s: %d events collected from a partition the lab has none in", k, len(ids))
	}
	if total < 10000 {
		t.Errorf("the lab holds %d events in the window; the built-in scenario promises 10,000+", total)
	}
	for _, c := range srv.Calls() {
		if c.Mutating || !collect.AllowedOperation(c.Operation) {
			t.Errorf("the lab saw a non-read call: %s %s", c.Service, c.Operation)
		}
	}
	t.Logf("%d events over %d calls", total, len(srv.Calls()))
}

func TestCollectOrgMatchesLab(t *testing.T) {
	bundle, pub, srv := collectLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{})})
	assertMatchesLab(t, bundle, pub, srv)
}

func TestCollectOrgUnderFaultsMatchesLab(t *testing.T) {
	faults, err := lab.ParseFaults("throttle=0.05,error=0.02,reset=0.01,truncate=0.01")
	if err != nil {
		t.Fatal(err)
	}
	bundle, pub, srv := collectLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{}), Faults: faults, Seed: 7})
	faulted := 0
	for _, c := range srv.Calls() {
		if c.Fault != "" {
			faulted++
		}
	}
	if faulted == 0 {
		t.Fatal("no fault fired: the test proves nothing")
	}
	t.Logf("%d faults injected", faulted)
	assertMatchesLab(t, bundle, pub, srv)
}

// The demo's bundle verifies, and one flipped byte in any of its files
// fails verification.
func TestDemoBundleDetectsAnyFlippedByte(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"custody", "demo", "--out", out, "--quiet"}, bytes.NewReader(nil), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	v, err := archive.LoadVerifier(out + ".demo.pub")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := archive.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{archive.ManifestName, archive.SumsName, archive.SignatureName, archive.CustodyName}
	for _, f := range rd.Manifest().Files {
		files = append(files, f.Path)
	}
	rd.Close()
	ctx := context.Background()
	for _, f := range files {
		path := filepath.Join(out, filepath.FromSlash(f))
		if err := flip(path); err != nil {
			t.Fatal(err)
		}
		rep, err := verify.Verify(ctx, out, verify.Options{Verifier: v})
		if err != nil {
			t.Fatalf("%s: verify could not run: %v", f, err)
		}
		if rep.OK {
			t.Errorf("%s: a flipped byte passed verification", f)
		}
		if err := flip(path); err != nil {
			t.Fatal(err)
		}
	}
	// Through the command line: exit 3.
	if err := flip(filepath.Join(out, files[len(files)-1])); err != nil {
		t.Fatal(err)
	}
	code = run(ctx, []string{"custody", "verify", "--key", out + ".demo.pub", out}, bytes.NewReader(nil), io.Discard, io.Discard)
	if code != exitVerifyFail {
		t.Fatalf("verify of a tampered bundle exited %d, want %d", code, exitVerifyFail)
	}
	t.Logf("%d files each tampered once; %s", len(files), time.Now().Format(time.RFC3339))
}

// flip inverts the middle byte of a file.
func flip(path string) error {
	b, err := readFile(path)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return fmt.Errorf("%s is empty", path)
	}
	b[len(b)/2] ^= 0xff
	return writeFile(path, b)
}
