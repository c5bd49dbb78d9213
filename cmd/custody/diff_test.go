package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/drift"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// serveBuiltin serves a built-in estate and points the AWS SDK's environment
// at it, as a responder's shell would be.
func serveBuiltin(t *testing.T, before bool) (*lab.Server, string) {
	t.Helper()
	srv, err := lab.New(lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{BeforeIncident: before}), NoQuotas: true})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

func useLab(t *testing.T, srv *lab.Server, url string) {
	r := srv.Responder()
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", r.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", r.SecretAccessKey)
	t.Setenv("AWS_REGION", r.Region)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// custody runs the command line in-process and returns its exit status
// and stdout.
func custodyCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"custody"}, args...), bytes.NewReader(nil), &stdout, &stderr)
	if code != exitOK && code != exitDrift {
		t.Logf("custody %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return code, stdout.String()
}

func driftReport(t *testing.T, out string) *drift.Report {
	t.Helper()
	var r drift.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if r.MediaType != schemas.MediaTypeDrift {
		t.Fatalf("media type %q", r.MediaType)
	}
	return &r
}

// changeKeys are the changes of a report by type, subject and version,
// sorted, for comparing two reports.
func changeKeys(r *drift.Report) []string {
	var out []string
	for _, c := range r.Changes {
		out = append(out, fmt.Sprintf("%s %s %s/%s %s@%s", c.Severity, c.Type, c.Account, c.Region, c.Subject, c.Version))
	}
	slices.Sort(out)
	return out
}

// The built-in incident against a baseline of the estate before it: the
// diff exits 4 and names the poisoned and the overwritten document, the
// weakened and the deleted guardrail and the deleted logging
// configuration, each with its element and severity, and nothing the
// attack did not change. A diff of the estate against itself exits 0;
// diff --live against the estate gives the same changes as the diff of
// two bundles; a tampered bundle is refused.
func TestDiffLabIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("collects the lab six times")
	}
	dir := t.TempDir()
	key, err := archive.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	if err := archive.WriteKeyPair(priv, pub, key, nil); err != nil {
		t.Fatal(err)
	}
	base, quiet, after := filepath.Join(dir, "baseline"), filepath.Join(dir, "quiet"), filepath.Join(dir, "after")

	// Before the attack: a baseline, then an evidence collection of the
	// same, unchanged estate.
	beforeSrv, beforeURL := serveBuiltin(t, true)
	useLab(t, beforeSrv, beforeURL)
	if code, out := custodyCmd(t, "baseline", "capture", "--org", "--out", base, "--key", priv, "--quiet"); code != exitOK {
		t.Fatalf("baseline capture exited %d: %s", code, out)
	}
	since, until := beforeSrv.Scenario().Window()
	window := []string{"--since", since.Format("2006-01-02T15:04:05Z"), "--until", until.Format("2006-01-02T15:04:05Z")}
	quiet2 := filepath.Join(dir, "quiet2")
	for _, out := range []string{quiet, quiet2} {
		if code, _ := custodyCmd(t, append([]string{"collect", "--org", "--case", "quiet", "--out", out, "--key", priv, "--quiet"}, window...)...); code != exitOK {
			t.Fatalf("collect of the quiet estate exited %d", code)
		}
	}
	rd, err := archive.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	if k := rd.Manifest().Kind; k != "baseline" {
		t.Errorf("baseline manifest kind %q", k)
	}
	for _, s := range rd.Manifest().Sources {
		if isEventSource(s.Name) {
			t.Errorf("the baseline ran event source %s", s.Name)
		}
	}
	rd.Close()
	for _, pair := range [][2]string{{base, base}, {base, quiet}, {quiet, quiet2}} {
		code, out := custodyCmd(t, "diff", pair[0], pair[1], "--key", pub, "--json")
		if r := driftReport(t, out); code != exitOK || len(r.Changes) != 0 {
			t.Errorf("diff %s %s: exit %d, changes %v; want 0 and none", filepath.Base(pair[0]), filepath.Base(pair[1]), code, changeKeys(r))
		}
	}

	// After the attack.
	afterSrv, afterURL := serveBuiltin(t, false)
	useLab(t, afterSrv, afterURL)
	since, until = afterSrv.Scenario().Window()
	window = []string{"--since", since.Format("2006-01-02T15:04:05Z"), "--until", until.Format("2006-01-02T15:04:05Z")}
	if code, _ := custodyCmd(t, append([]string{"collect", "--org", "--case", "incident", "--out", after, "--key", priv, "--quiet"}, window...)...); code != exitOK {
		t.Fatalf("collect after the incident exited %d", code)
	}
	code, out := custodyCmd(t, "diff", base, after, "--key", pub, "--json")
	if code != exitDrift {
		t.Fatalf("diff exited %d, want %d", code, exitDrift)
	}
	rep := driftReport(t, out)
	prod := lab.ProdAccount
	bucket := "s3://genai-prod-kb-docs-" + prod + "/"
	find := func(typ, subject string) *drift.Change {
		t.Helper()
		for i, c := range rep.Changes {
			if c.Type == typ && strings.HasSuffix(c.Subject, subject) {
				return &rep.Changes[i]
			}
		}
		t.Errorf("no %s change of %s among:\n  %s", typ, subject, strings.Join(changeKeys(rep), "\n  "))
		return nil
	}
	expect := func(c *drift.Change, element string, sev drift.Severity) {
		t.Helper()
		if c != nil && (c.Element != element || c.Severity != sev) {
			t.Errorf("%s %s: element %s severity %s, want %s %s", c.Type, c.Subject, c.Element, c.Severity, element, sev)
		}
	}
	if c := find(drift.ObjectAdded, bucket+lab.PoisonedKeys[0]); c != nil {
		expect(c, schemas.ElementDataStore, drift.High)
		if c.After == nil || c.After.SHA256 == "" || c.After.Version == "" || c.Before != nil {
			t.Errorf("poisoned document: want a new version with its digest, got before %+v after %+v", c.Before, c.After)
		}
	}
	if c := find(drift.ObjectModified, bucket+lab.PoisonedKeys[1]); c != nil {
		expect(c, schemas.ElementDataStore, drift.High)
		if c.Before == nil || c.After == nil || c.Before.SHA256 == "" || c.After.SHA256 == "" || c.Before.SHA256 == c.After.SHA256 || c.Before.Version == c.After.Version {
			t.Errorf("overwritten document: want old and new digests and versions, got %+v → %+v", c.Before, c.After)
		}
	}
	if c := find(drift.GuardrailWeakened, "guardrail/"+lab.GuardrailSupportID); c != nil {
		expect(c, schemas.ElementAI, drift.High)
		if !slices.ContainsFunc(c.Details, func(d string) bool {
			return strings.HasPrefix(d, "content filter ") && strings.Contains(d, "HIGH → ")
		}) {
			t.Errorf("weakened guardrail does not say which filter from what to what: %v", c.Details)
		}
		if c.WrittenBy == nil || !strings.Contains(c.WrittenBy.EventName, "Guardrail") {
			t.Errorf("weakened guardrail not attributed to its CloudTrail event: %+v", c.WrittenBy)
		}
	}
	if c := find(drift.GuardrailDeleted, "guardrail/"+lab.GuardrailPIIID); c != nil {
		expect(c, schemas.ElementAI, drift.High)
		if c.WrittenBy == nil || c.WrittenBy.EventName != "DeleteGuardrail" {
			t.Errorf("deleted guardrail attributed to %+v, want DeleteGuardrail", c.WrittenBy)
		}
	}
	if c := find(drift.LoggingDisabled, ":"+prod+":model-invocation-logging"); c != nil {
		expect(c, schemas.ElementInvocation, drift.Critical)
	}
	// Nothing the attack did not change: every change is of the prod
	// account, of a type the incident explains.
	explained := []string{drift.ObjectAdded, drift.ObjectModified, drift.GuardrailWeakened, drift.GuardrailDeleted,
		drift.LoggingDisabled, drift.ModelAccessChanged, drift.IngestionJobAdded}
	for _, c := range rep.Changes {
		if !slices.Contains(explained, c.Type) || c.Account != prod {
			t.Errorf("a change the incident does not explain: %s %s %s", c.Type, c.Account, c.Subject)
		}
		if c.Summary == "" || c.Severity < drift.Info || c.Severity > drift.Critical {
			t.Errorf("change without summary or severity: %+v", c)
		}
	}
	t.Logf("incident drift: %s", strings.Join(changeKeys(rep), "; "))

	// The live estate gives the same changes.
	code, out = custodyCmd(t, "diff", base, "--live", "--org", "--key", pub, "--json")
	if code != exitDrift {
		t.Fatalf("diff --live exited %d, want %d", code, exitDrift)
	}
	if live := driftReport(t, out); !slices.Equal(changeKeys(live), changeKeys(rep)) {
		t.Errorf("diff --live differs from the diff of two bundles:\nlive:    %v\nbundles: %v", changeKeys(live), changeKeys(rep))
	}

	// A baseline derived from the evidence bundle matches it.
	derived := filepath.Join(dir, "derived")
	if code, _ := custodyCmd(t, "baseline", "from", after, "--out", derived, "--key", priv); code != exitOK {
		t.Fatalf("baseline from exited %d", code)
	}
	if code, out := custodyCmd(t, "diff", derived, after, "--key", pub, "--json"); code != exitOK || len(driftReport(t, out).Changes) != 0 {
		t.Errorf("a baseline derived from a bundle drifts from it: exit %d", code)
	}
	if code, _ := custodyCmd(t, "diff", base, derived, "--key", pub, "--format", "md"); code != exitDrift {
		t.Errorf("derived baseline against the old one exited %d, want %d", code, exitDrift)
	}

	// A bundle that fails verification is refused.
	if err := flip(filepath.Join(after, archive.ManifestName)); err != nil {
		t.Fatal(err)
	}
	if code, _ := custodyCmd(t, "diff", base, after, "--key", pub); code != exitVerifyFail {
		t.Errorf("diff over a tampered bundle exited %d, want %d", code, exitVerifyFail)
	}
}

func TestDiffUsage(t *testing.T) {
	for _, args := range [][]string{
		{"diff", "--key", "k.pub"},
		{"diff", "a", "b"},
		{"diff", "a", "--live", "b", "--key", "k.pub"},
		{"diff", "a", "b", "--key", "k.pub", "--format", "pdf"},
		{"baseline", "capture", "--org", "--out", "x", "--key", "k", "--sources", "cloudtrail.lookup"},
		{"baseline", "from", "--out", "x"},
	} {
		if code, _ := custodyCmd(t, args...); code != exitUsage {
			t.Errorf("custody %s: exit %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
	// Flags may follow the arguments of diff.
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	got := flagsFirst(app, []string{"custody", "diff", "base", "--live", "--key", "k.pub", "--org", "--regions=us-east-1"})
	want := []string{"custody", "diff", "--live", "--key", "k.pub", "--org", "--regions=us-east-1", "base"}
	if !slices.Equal(got, want) {
		t.Errorf("flagsFirst = %q, want %q", got, want)
	}
	if got := flagsFirst(app, []string{"custody", "verify", "b", "--key", "k"}); !slices.Equal(got, []string{"custody", "verify", "b", "--key", "k"}) {
		t.Errorf("flagsFirst reordered verify: %q", got)
	}
}
