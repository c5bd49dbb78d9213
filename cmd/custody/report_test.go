package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/report"
	"github.com/custodyhq/custody/schemas"
)

// runReportCmd runs `custody report` and returns the exit code and
// stderr.
func runReportCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	code := run(context.Background(), append([]string{"custody", "report"}, args...), bytes.NewReader(nil), io.Discard, &stderr)
	return code, stderr.String()
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.MediaType != schemas.MediaTypeReport {
		t.Fatalf("media type %q", rep.MediaType)
	}
	return &rep
}

// plantedRows is what the bundle holds of each planted step: the event ids
// (or object ids) of its rows, by step.
type plantedRows map[string]map[string]bool

func (p plantedRows) add(step, id string) {
	if p[step] == nil {
		p[step] = map[string]bool{}
	}
	p[step][id] = true
}

// planted reads the bundle for the rows of the builtin incident's steps.
func planted(t *testing.T, bundle string) plantedRows {
	t.Helper()
	rd, err := archive.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	p := plantedRows{}
	ctx := context.Background()
	err = rd.ScanRows(ctx, schemas.TableCloudTrailEvents, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		attacker := strings.HasPrefix(ev.AccessKeyID, "AKIA") && strings.HasSuffix(ev.UserIdentityARN, ":user/svc-genai-ci")
		switch {
		case attacker && ev.SourceIPAddress == lab.AttackerIP:
			p.add("access", ev.EventID)
		}
		if attacker {
			switch ev.EventName {
			case "ListFoundationModels", "GetFoundationModelAvailability":
				p.add("enumerate", ev.EventID)
			case "PutUseCaseForModelAccess", "CreateFoundationModelAgreement":
				p.add("model-access", ev.EventID)
			case "DeleteModelInvocationLoggingConfiguration":
				p.add("logging-deleted", ev.EventID)
			case "UpdateGuardrail", "CreateGuardrailVersion":
				p.add("guardrail-changed", ev.EventID)
			case "DeleteGuardrail":
				p.add("guardrail-deleted", ev.EventID)
			case "StartIngestionJob":
				p.add("ingestion", ev.EventID)
			case "InvokeModel", "Converse", "InvokeModelWithResponseStream":
				p.add("llmjacking", ev.EventID)
			}
		}
		if ev.EventName == "SendEmail" && strings.HasSuffix(ev.SessionIssuerARN, ":role/support-notify-role") {
			p.add("agent-email", ev.EventID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rd.ScanRows(ctx, schemas.TableResources, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		r := row.(*schemas.Resource)
		if r.Kind == schemas.KindGuardrail && r.ID == lab.GuardrailSupportID {
			p.add("guardrail-versions", m.ObjectID)
		}
		if r.Kind == schemas.KindRole && strings.HasSuffix(r.ARN, ":role/support-notify-role") {
			p.add("agent-role", m.ObjectID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rd.ScanRows(ctx, schemas.TableObjects, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		if o := row.(*schemas.Object); slices.Contains(lab.PoisonedKeys, o.Key) {
			p.add("poisoned-objects", m.ObjectID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rd.ScanRows(ctx, schemas.TableInvocations, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		if inv := row.(*schemas.Invocation); inv.Prompt != nil && strings.Contains(*inv.Prompt, "Ignore all previous instructions") {
			p.add("injection", inv.RequestID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The report of the built-in incident finds each planted step the bundle
// holds rows of, under the right element, pointing at those rows.
func TestReportFindsBuiltinIncident(t *testing.T) {
	bundle, pub, _ := collectLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{})})
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	if code, stderr := runReportCmd(t, "--key", pub, "--format", "json", "--out", out, bundle); code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	rows := planted(t, bundle)

	steps := []struct {
		step, rule, element string
		min                 report.Severity
	}{
		{"access", "access.first-seen", report.ElementAccess, report.Medium},
		{"enumerate", "access.long-term-key-enumerate-invoke", report.ElementAccess, report.High},
		{"model-access", "ai.model-access-requested", report.ElementAI, report.High},
		{"logging-deleted", "ai.invocation-logging-changed", report.ElementAI, report.High},
		{"guardrail-changed", "ai.guardrail-changed", report.ElementAI, report.Medium},
		{"guardrail-versions", "ai.guardrail-weakened", report.ElementAI, report.High},
		{"guardrail-deleted", "ai.guardrail-deleted", report.ElementAI, report.High},
		{"ingestion", "datastore.ingestion-after-write", report.ElementDataStore, report.Low},
		{"poisoned-objects", "datastore.knowledge-base-bucket-write", report.ElementDataStore, report.Medium},
		{"poisoned-objects", "datastore.instructions-in-documents", report.ElementDataStore, report.High},
		{"llmjacking", "invocation.llmjacking-share", report.ElementInvocation, report.High},
		{"llmjacking", "invocation.many-regions", report.ElementInvocation, report.High},
		{"injection", "invocation.prompt-injection", report.ElementInvocation, report.Medium},
		{"agent-email", "agency.role-actions", report.ElementAgency, report.High},
		{"agent-role", "agency.role-reach", report.ElementAgency, report.Medium},
	}
	found := 0
	for _, s := range steps {
		ids := rows[s.step]
		if len(ids) == 0 {
			t.Logf("step %s: no rows in this bundle; %s not expected", s.step, s.rule)
			continue
		}
		// The rule's finding that points at the step's rows.
		i := slices.IndexFunc(rep.Findings, func(f report.Finding) bool {
			return f.Rule == s.rule && slices.ContainsFunc(f.Evidence, func(p report.Pointer) bool { return ids[p.Value] })
		})
		if i < 0 {
			t.Errorf("step %s (%d rows): no %s finding points at its rows", s.step, len(ids), s.rule)
			continue
		}
		f := rep.Findings[i]
		if f.Element != s.element || f.Severity < s.min {
			t.Errorf("%s: element %s severity %s, want %s at least %s", f.ID, f.Element, f.Severity, s.element, s.min)
		}
		for _, p := range f.Evidence {
			if _, err := os.Stat(filepath.Join(bundle, filepath.FromSlash(p.Path()))); err != nil {
				t.Errorf("%s: pointer partition %s: %v", f.ID, p.Path(), err)
			}
		}
		found++
		t.Logf("step %-18s %-40s %-8s %s", s.step, f.ID, f.Severity, f.Summary)
	}
	if found < 10 {
		t.Errorf("found %d planted steps; the bundle's CloudTrail alone holds 10", found)
	}
	assertPointersResolve(t, bundle, rep)
	if !slices.Contains(rep.Summary.Principals, "arn:aws:iam::"+lab.ProdAccount+":user/svc-genai-ci") {
		t.Errorf("summary principals %v lack the leaked key's user", rep.Summary.Principals)
	}
	for _, a := range rep.Elements {
		t.Logf("element %-15s %-12s %s", a.Element, a.Status, a.Answer)
		if a.Status == report.StatusNoEvidence && len(a.Reasons) == 0 {
			t.Errorf("element %s: no evidence and no reason", a.Element)
		}
	}
	if len(rows["injection"]) == 0 {
		inv := rep.Elements[slices.IndexFunc(rep.Elements, func(a report.Answer) bool { return a.Element == report.ElementInvocation })]
		if !slices.ContainsFunc(inv.Reasons, func(r string) bool { return strings.Contains(r, "no evidence collected") }) {
			t.Errorf("invocation logs absent, but the invocation element does not say why: %v", inv.Reasons)
		}
	}

	t.Run("formats", func(t *testing.T) {
		for _, f := range report.Formats() {
			p := filepath.Join(dir, "report."+f)
			if code, stderr := runReportCmd(t, "--key", pub, "--format", f, "--out", p, bundle); code != 0 {
				t.Fatalf("%s: exit %d: %s", f, code, stderr)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch f {
			case report.FormatHTML:
				s := string(b)
				for _, want := range []string{"<svg", "Access", "Agency", "ai.guardrail-deleted"} {
					if !strings.Contains(s, want) {
						t.Errorf("html lacks %q", want)
					}
				}
				if strings.Contains(s, "http://") && strings.Contains(s, "<script src") || strings.Contains(s, "<link ") {
					t.Error("html loads something from elsewhere")
				}
			case report.FormatMarkdown:
				if !strings.Contains(string(b), "## The seven elements") || !strings.Contains(string(b), "read_parquet(") {
					t.Error("markdown lacks the elements or the DuckDB pointers")
				}
			case report.FormatOCSF:
				sc := bufio.NewScanner(bytes.NewReader(b))
				sc.Buffer(nil, 1<<20)
				n := 0
				for sc.Scan() {
					var o struct {
						ClassUID    int `json:"class_uid"`
						FindingInfo struct {
							Analytic struct{ UID string } `json:"analytic"`
						} `json:"finding_info"`
					}
					if err := json.Unmarshal(sc.Bytes(), &o); err != nil || o.ClassUID != 2004 || o.FindingInfo.Analytic.UID == "" {
						t.Fatalf("ocsf line %d: %v %+v", n, err, o)
					}
					n++
				}
				if n != len(rep.Findings) {
					t.Errorf("%d ocsf lines, %d findings", n, len(rep.Findings))
				}
			}
		}
	})

	t.Run("chromium", func(t *testing.T) {
		page := filepath.Join(dir, "chromium.html")
		if code, stderr := runReportCmd(t, "--key", pub, "--out", page, bundle); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		renderInChromium(t, page)
	})

	t.Run("tampered bundle refused", func(t *testing.T) {
		var events string
		rd, err := archive.Open(bundle)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rd.Manifest().Files {
			if f.Table == schemas.TableCloudTrailEvents {
				events = f.Path
				break
			}
		}
		rd.Close()
		if err := flip(filepath.Join(bundle, filepath.FromSlash(events))); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "tampered.html")
		code, stderr := runReportCmd(t, "--key", pub, "--out", p, bundle)
		if code != exitVerifyFail {
			t.Errorf("exit %d, want %d: %s", code, exitVerifyFail, stderr)
		}
		if !strings.Contains(stderr, "sha256 mismatch") || !strings.Contains(stderr, "refusing") {
			t.Errorf("stderr does not say why: %s", stderr)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a report was written for a tampered bundle: %v", err)
		}
	})
}

// assertPointersResolve checks that every evidence pointer of the report
// names exactly a row of the bundle: in its table, in its partition, by its
// column and value.
func assertPointersResolve(t *testing.T, bundle string, rep *report.Report) {
	t.Helper()
	key := func(table string, p archive.Partition, col, val string) string {
		return table + "|account=" + p.Account + "/region=" + p.Region + "|" + col + "|" + val
	}
	want := map[string]bool{}
	tables := map[string]bool{}
	for _, f := range rep.Findings {
		for _, p := range f.Evidence {
			want[p.Table+"|"+p.Partition+"|"+p.Column+"|"+p.Value] = false
			tables[p.Table] = true
		}
	}
	rd, err := archive.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for table := range tables {
		err := rd.ScanRows(context.Background(), table, func(p archive.Partition, m schemas.Meta, row schemas.Row) error {
			keys := []string{key(table, p, "evidence_object_id", m.ObjectID)}
			switch r := row.(type) {
			case *schemas.CloudTrailEvent:
				keys = append(keys, key(table, p, "event_id", r.EventID))
			case *schemas.Invocation:
				keys = append(keys, key(table, p, "request_id", r.RequestID))
			}
			for _, k := range keys {
				if _, ok := want[k]; ok {
					want[k] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("pointer %s names no row of the bundle", k)
		}
	}
	t.Logf("%d evidence pointers, each naming a row of the bundle", len(want))
}

// The background activity alone raises no high-severity finding.
func TestReportBeforeIncidentHasNoHighFinding(t *testing.T) {
	bundle, pub, _ := collectLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{BeforeIncident: true})})
	out := filepath.Join(t.TempDir(), "report.json")
	if code, stderr := runReportCmd(t, "--key", pub, "--format", "json", "--out", out, bundle); code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	var events int64
	for _, tb := range rep.Tables {
		if tb.Name == schemas.TableCloudTrailEvents {
			events = tb.Rows
		}
	}
	if events < 5000 {
		t.Fatalf("%d events: the background is missing, the test proves nothing", events)
	}
	for _, f := range rep.Findings {
		t.Logf("%-8s %s: %s", f.Severity, f.ID, f.Summary)
		if f.Severity >= report.High {
			t.Errorf("background raised %s (%s): %s", f.ID, f.Severity, f.Summary)
		}
	}
	if rep.Summary.Highest == "high" || rep.Summary.Highest == "critical" {
		t.Errorf("summary's highest severity is %s", rep.Summary.Highest)
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bundle"},         // no key
		{"--key", "k.pub"}, // no bundle
		{"--key", "k.pub", "--format", "pdf", "b"}, // unknown format
		{"--key", "k.pub", "a", "b"},               // two bundles
	} {
		if code, stderr := runReportCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
}

// chromiumPath is Debian's Chromium (apt-get install -y chromium).
const chromiumPath = "/usr/bin/chromium"

// renderInChromium loads an HTML file in headless Chromium with the
// network off, and checks the page loads, renders its timeline, and
// screenshots to a non-empty PNG.
func renderInChromium(t *testing.T, page string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s absent (install with: apt-get install -y chromium): %v", chromiumPath, err)
	}
	dir := t.TempDir()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir=" + filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	url := "file://" + page
	dom, err := exec.CommandContext(ctx, chromiumPath, append(flags, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"Triage report", "<svg", "The seven elements", "Findings"} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	png := filepath.Join(dir, "report.png")
	cmd := exec.CommandContext(ctx, chromiumPath, append(flags, "--screenshot="+png, "--window-size=1280,2000", url)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, b)
	}
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10_000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("screenshot is %d bytes; want a rendered page", len(b))
	}
	// And on paper: the print stylesheet yields a PDF of several pages.
	pdf := filepath.Join(dir, "report.pdf")
	cmd = exec.CommandContext(ctx, chromiumPath, append(flags, "--no-pdf-header-footer", "--print-to-pdf="+pdf, url)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --print-to-pdf: %v\n%s", err, b)
	}
	b, err = os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if pages := bytes.Count(b, []byte("/Type /Page\n")) + bytes.Count(b, []byte("/Type /Page ")) + bytes.Count(b, []byte("/Type/Page")); !bytes.HasPrefix(b, []byte("%PDF")) || len(b) < 10_000 {
		t.Errorf("printed PDF is %d bytes (%d page objects found)", len(b), pages)
	}
}
