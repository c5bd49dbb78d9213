package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// journalLines counts the complete lines of a killed run's journal.
func journalLines(partial string) int {
	f, err := os.Open(filepath.Join(partial, ".tmp", "journal.jsonl"))
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		n++
	}
	return n
}

func getObjectCalls(srv *lab.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Operation == "GetObject" {
			n++
		}
	}
	return n
}

type objectKey struct{ bucket, key, version, sha string }

func bundleObjects(t *testing.T, dir string) (map[objectKey]string, int) {
	t.Helper()
	rd, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got := map[objectKey]string{}
	content := 0
	err = rd.ScanRows(context.Background(), schemas.TableObjects, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		o := row.(*schemas.Object)
		k := objectKey{o.Bucket, o.Key, o.VersionID, ""}
		if o.SHA256 != nil {
			k.sha = *o.SHA256
			content++
		}
		got[k] = o.RequestID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, content
}

// A collection killed (SIGKILL) while it preserves knowledge-base objects
// leaves a .partial; `collect --resume` of it fetches none of the versions
// the killed run had stored, and its bundle verifies and holds the same
// objects, with the same content, as a run that was never killed.
func TestKilledRunResumesWithoutFetchingAgain(t *testing.T) {
	srv, url := serveLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{}), NoQuotas: true, Latency: 40 * time.Millisecond})
	dir := t.TempDir()
	writeTestKey(t, dir)
	r := srv.Responder()
	since, until := srv.Scenario().Window()
	opts := func(out string) *collectOptions {
		return &collectOptions{
			EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
			Org: true, RoleName: collect.DefaultRoleName, Regions: srv.Scenario().Regions(),
			Since: since, Until: until, Sources: []string{kbobjects.Source}, Case: "kill", Out: out,
			Key: filepath.Join(dir, "k.key"), Parallel: 2, DefaultRate: 1000, Quiet: true,
		}
	}

	// The reference: the same collection, never killed.
	if _, err := runCollect(context.Background(), testEnv(), opts(filepath.Join(dir, "whole"))); err != nil {
		t.Fatal(err)
	}
	want, wantContent := bundleObjects(t, filepath.Join(dir, "whole"))
	fetchedWhole := getObjectCalls(srv)
	if wantContent < 20 {
		t.Fatalf("the reference run preserved %d versions; the scenario should hold more", wantContent)
	}

	killed := filepath.Join(dir, "killed")
	cmd := exec.Command("custody", "collect", "--case", "kill", "--org", "--regions", strings.Join(srv.Scenario().Regions(), ","),
		"--since", since.Format(time.RFC3339), "--until", until.Format(time.RFC3339), "--sources", kbobjects.Source,
		"--parallel", "2", "--key", filepath.Join(dir, "k.key"), "--out", killed, "--quiet")
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID="+r.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+r.SecretAccessKey, "AWS_REGION="+r.Region,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for journalLines(killed+".partial") < 8 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the run stored nothing within a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(killed); err == nil {
		t.Fatal("the run sealed before it could be killed")
	}
	stored := journalLines(killed + ".partial")
	if stored >= wantContent {
		t.Fatalf("killed after all %d versions were stored; the test needs it killed half way", stored)
	}

	// Requests the killed process had in flight still reach the lab's log
	// (after its latency): let them land before counting.
	time.Sleep(250 * time.Millisecond)
	before := getObjectCalls(srv)
	resumed := filepath.Join(dir, "resumed")
	o := opts(resumed)
	o.Resume = killed
	res, err := runCollect(context.Background(), testEnv(), o)
	if err != nil {
		t.Fatal(err)
	}
	fetched := getObjectCalls(srv) - before
	if fetched != fetchedWhole-stored {
		t.Errorf("resumed run fetched %d versions; the whole run fetched %d and the killed one had stored %d", fetched, fetchedWhole, stored)
	}
	var info map[string]string
	for _, s := range res.Manifest.Sources {
		if s.Name == kbobjects.Source {
			info = s.Options
		}
	}
	if info["salvaged_from"] != "killed" || info["salvaged_objects"] != strconv.Itoa(stored) {
		t.Errorf("manifest source options %v do not record the %d salvaged versions", info, stored)
	}
	v, err := archive.LoadVerifier(filepath.Join(dir, "k.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := verify.Verify(context.Background(), resumed, verify.Options{Verifier: v}); err != nil || !rep.OK {
		t.Fatalf("resumed bundle does not verify: %v %+v", err, rep)
	}
	got, gotContent := bundleObjects(t, resumed)
	if gotContent != wantContent || len(got) != len(want) {
		t.Errorf("resumed bundle: %d versions (%d with content), want %d (%d)", len(got), gotContent, len(want), wantContent)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("resumed bundle lacks %+v", k)
		}
	}
	// A salvaged version keeps the request id of the call that fetched it.
	j, err := os.ReadFile(filepath.Join(killed+".partial", ".tmp", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var first struct {
		Provenance schemas.Provenance `json:"provenance"`
		Row        schemas.Object     `json:"row"`
	}
	if err := json.Unmarshal(j[:bytes.IndexByte(j, '\n')], &first); err != nil {
		t.Fatal(err)
	}
	k := objectKey{first.Row.Bucket, first.Row.Key, first.Row.VersionID, *first.Row.SHA256}
	if got[k] != first.Provenance.RequestID || got[k] == "" {
		t.Errorf("salvaged %+v has request id %q, want the killed run's %q", k, got[k], first.Provenance.RequestID)
	}
}
