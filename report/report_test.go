package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// incidentRows is a small incident: a leaked key enumerates and invokes,
// deletes a guardrail, and a function role sends mail; the app role is
// the background.
func incidentRows() []*Record {
	return rows(
		repeat(200, func(i int) *Record {
			return ev("us-east-1", at(-4*24*time.Hour+time.Duration(i)*30*time.Minute), bedrock, "InvokeModel")
		}),
		ev("us-east-1", at(-4*24*time.Hour), "sts.amazonaws.com", "GetCallerIdentity", asUser),
		ev("us-east-1", at(0), bedrock, "ListFoundationModels", asUser, fromIP("185.220.101.47")),
		ev("us-east-1", at(2*time.Minute), bedrock, "InvokeModel", asUser, fromIP("185.220.101.47")),
		ev("us-west-2", at(3*time.Minute), bedrock, "InvokeModel", asUser, fromIP("185.220.101.47")),
		ev("eu-west-1", at(4*time.Minute), bedrock, "Converse", asUser, fromIP("185.220.101.47")),
		ev("us-east-1", at(20*time.Minute), bedrock, "DeleteGuardrail", asUser, writes, fromIP("185.220.101.47")),
		repeat(12, func(i int) *Record {
			return ev("us-east-1", at(time.Hour+time.Duration(i)*time.Minute), "ses.amazonaws.com", "SendEmail",
				asRole("arn:aws:iam::444455556666:role/notify-role"), writes)
		}),
		resource(schemas.KindLoggingConfig, "arn:aws:bedrock:us-east-1:444455556666:model-invocation-logging", "model-invocation-logging", "",
			"model-invocation-logging", "absent", map[string]any{"logging_config": nil}),
	)
}

func engineReport(recs []*Record, m *archive.Manifest) *Report {
	rep := feed(nil, recs).Report(m)
	rep.Case, rep.Bundle, rep.Generated = "case-1", "/cases/b1", at(48*time.Hour)
	return rep
}

func testManifest() *archive.Manifest {
	return &archive.Manifest{
		Case:    "case-1",
		Sources: []schemas.SourceInfo{{Name: "cloudtrail.lookup"}, {Name: "bedrock.config"}, {Name: "bedrock.invocation-logs"}},
		Gaps:    []archive.GapInfo{{Source: "bedrock.invocation-logs", Unit: "logs", Account: acct, Region: "us-west-2", Cause: "AccessDenied"}},
		Targets: []schemas.TargetInfo{{Account: acct, Regions: []string{"us-east-1", "us-west-2"}}},
	}
}

func TestReportAnswersEveryElement(t *testing.T) {
	rep := engineReport(incidentRows(), testManifest())
	if len(rep.Elements) != 7 {
		t.Fatalf("%d elements", len(rep.Elements))
	}
	byEl := map[string]Answer{}
	for _, a := range rep.Elements {
		byEl[a.Element] = a
		if a.Answer == "" || len(a.Questions) == 0 || len(a.Sources) == 0 {
			t.Errorf("%s: empty answer %+v", a.Element, a)
		}
	}
	for el, want := range map[string]string{
		ElementAccess: StatusFindings, ElementAI: StatusFindings, ElementAgency: StatusFindings,
		ElementInvocation: StatusFindings, ElementDataStore: StatusNoEvidence,
	} {
		if got := byEl[el].Status; got != want {
			t.Errorf("%s: status %s, want %s (%s)", el, got, want, byEl[el].Answer)
		}
	}
	inv := strings.Join(byEl[ElementInvocation].Reasons, "\n")
	for _, want := range []string{"no evidence collected", "invocation logging was off", acct + "/us-east-1", "gap bedrock.invocation-logs: AccessDenied"} {
		if !strings.Contains(inv, want) {
			t.Errorf("invocation reasons lack %q:\n%s", want, inv)
		}
	}
	ds := strings.Join(byEl[ElementDataStore].Reasons, "\n")
	if !strings.Contains(ds, "no source that collects it ran") {
		t.Errorf("data store reasons: %s", ds)
	}
	if rep.Summary.Highest != "high" || !slices.Contains(rep.Summary.Principals, userARN) {
		t.Errorf("summary %+v", rep.Summary)
	}
	// Findings are ordered most severe first and have unique ids.
	ids := map[string]bool{}
	for i, f := range rep.Findings {
		if ids[f.ID] {
			t.Errorf("id %s twice", f.ID)
		}
		ids[f.ID] = true
		if i > 0 && f.Severity > rep.Findings[i-1].Severity {
			t.Errorf("finding %s out of order", f.ID)
		}
	}
	// The timeline draws the leaked key's user and marks its findings.
	if !slices.ContainsFunc(rep.Timeline.Series, func(s Series) bool { return s.Principal == userARN }) {
		t.Error("timeline lacks the leaked key's user")
	}
	if !slices.ContainsFunc(rep.Timeline.Marks, func(m TimelineMark) bool { return m.Principal == userARN && m.Severity == High }) {
		t.Errorf("timeline marks %+v", rep.Timeline.Marks)
	}
	for _, s := range rep.Timeline.Series {
		var n int64
		for _, c := range s.Counts {
			n += c
		}
		if n != s.Total {
			t.Errorf("%s: counts sum to %d, total %d", s.Principal, n, s.Total)
		}
	}
}

func TestReportFormats(t *testing.T) {
	rep := engineReport(incidentRows(), testManifest())
	for _, f := range Formats() {
		var b bytes.Buffer
		if err := Write(&b, rep, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s := b.String()
		switch f {
		case FormatJSON:
			var back Report
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back.MediaType != schemas.MediaTypeReport || len(back.Findings) != len(rep.Findings) || back.Findings[0].Severity != rep.Findings[0].Severity {
				t.Errorf("json round trip: %s, %d findings", back.MediaType, len(back.Findings))
			}
		case FormatMarkdown:
			for _, want := range []string{"# Triage report: case-1", "### Access", "no evidence collected", "access.long-term-key-enumerate-invoke#1", "read_parquet('/cases/b1/tables/cloudtrail_events/account=444455556666/region=us-east-1/*.parquet'"} {
				if !strings.Contains(s, want) {
					t.Errorf("markdown lacks %q", want)
				}
			}
		case FormatHTML:
			for _, want := range []string{"<!DOCTYPE html>", "<svg", `id="f-access-long-term-key-enumerate-invoke-1"`, `href="#f-access-long-term-key-enumerate-invoke-1"`, "@media print"} {
				if !strings.Contains(s, want) {
					t.Errorf("html lacks %q", want)
				}
			}
			for _, bad := range []string{"<script", "<link", "src=\"http", "url(http"} {
				if strings.Contains(s, bad) {
					t.Errorf("html has %q: it must load nothing", bad)
				}
			}
		case FormatOCSF:
			sc := bufio.NewScanner(&b)
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				var o map[string]any
				if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
					t.Fatal(err)
				}
				if o["class_uid"] != 2004.0 || o["category_uid"] != 2.0 || o["type_uid"] != 200401.0 || o["severity_id"] == nil {
					t.Errorf("ocsf line %d: %v", n, o)
				}
				fi := o["finding_info"].(map[string]any)
				if fi["uid"] == "" || fi["title"] == "" || fi["analytic"].(map[string]any)["uid"] != rep.Findings[n].Rule {
					t.Errorf("ocsf finding_info %v", fi)
				}
				if ev, _ := o["evidences"].([]any); len(ev) == 0 {
					t.Errorf("ocsf line %d has no evidences", n)
				}
				n++
			}
			if n != len(rep.Findings) {
				t.Errorf("%d lines for %d findings", n, len(rep.Findings))
			}
		}
	}
	if err := Write(&bytes.Buffer{}, rep, "pdf"); err == nil {
		t.Error("unknown format accepted")
	}
}

// However many rows match, a finding keeps at most MaxEvidence pointers,
// the earliest ones, and counts them all.
func TestFindingEvidenceIsBounded(t *testing.T) {
	var recs []*Record
	for i := 5000; i > 0; i-- {
		recs = append(recs, ev("us-east-1", at(time.Duration(i)*time.Second), "cloudtrail.amazonaws.com", "PutEventSelectors", writes))
	}
	fs := runRules(aiRules(), recs)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	if f.Count != 5000 || len(f.Evidence) != MaxEvidence {
		t.Fatalf("count %d, %d pointers", f.Count, len(f.Evidence))
	}
	for i, p := range f.Evidence {
		if want := at(time.Duration(i+1) * time.Second); !p.Time.Equal(want) {
			t.Fatalf("pointer %d at %s, want the earliest rows (%s)", i, p.Time, want)
		}
	}
	if !f.First.Equal(at(time.Second)) || !f.Last.Equal(at(5000*time.Second)) {
		t.Errorf("range %s – %s", f.First, f.Last)
	}
}

func TestPointerSQLQuotes(t *testing.T) {
	p := Pointer{Table: "objects", Partition: "account=1/region=r", Column: "evidence_object_id", Value: "s3://b/it's.md?versionId=1"}
	got := p.SQL("/tmp/o'b")
	want := `SELECT * FROM read_parquet('/tmp/o''b/tables/objects/account=1/region=r/*.parquet', hive_partitioning = true) WHERE evidence_object_id = 's3://b/it''s.md?versionId=1'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Info, Low, Medium, High, Critical} {
		b, _ := s.MarshalText()
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s: round trip %v %v", s, back, err)
		}
	}
}

// The engine keeps aggregates, not rows: ten times the rows of the same
// identities over the same window leave the heap about where it was.
func TestEngineMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 440,000 rows")
	}
	heapAfter := func(n int) uint64 {
		e := NewEngine(testWindow, nil)
		span := testWindow.Until.Sub(testWindow.Since)
		names := []string{"InvokeModel", "ListFoundationModels", "SendEmail", "GetCallerIdentity", "PutObject", "DeleteGuardrail"}
		for i := range n {
			ts := testWindow.Since.Add(time.Duration(int64(span) / int64(n) * int64(i)))
			opts := []func(*schemas.CloudTrailEvent){asRole(fmt.Sprintf("arn:aws:iam::444455556666:role/r%d", i%10)), fromIP(fmt.Sprintf("10.0.0.%d", i%7))}
			if i%3 == 0 {
				opts = []func(*schemas.CloudTrailEvent){asUser, withError("AccessDenied")}
			}
			region := []string{"us-east-1", "us-west-2", "eu-west-1"}[i%3]
			e.Observe(ev(region, ts, bedrock, names[i%len(names)], opts...))
		}
		_ = e.Report(nil)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(e)
		return ms.HeapAlloc
	}
	small, large := heapAfter(40_000), heapAfter(400_000)
	t.Logf("heap after 40,000 rows %d KiB, after 400,000 rows %d KiB", small>>10, large>>10)
	if large > small+16<<20 {
		t.Errorf("heap grew by %d KiB for ten times the rows", (large-small)>>10)
	}
}

// REPORT.md documents every rule and every field of the JSON form.
func TestReportDocumented(t *testing.T) {
	b, err := os.ReadFile("REPORT.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range Rules() {
		row := fmt.Sprintf("| `%s` | %s | %s | %s |", r.ID, r.Element, r.Severity, r.Title)
		if !strings.Contains(doc, row) {
			t.Errorf("REPORT.md lacks the row %s", row)
		}
	}
	for _, v := range []any{Report{}, Finding{}, Pointer{}, Answer{}, Timeline{}, Series{}, TimelineMark{}, RuleInfo{}, Summary{}} {
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("REPORT.md does not document %s.%s (`%s`)", rt.Name(), rt.Field(i).Name, name)
			}
		}
	}
	if !strings.Contains(doc, schemas.MediaTypeReport) {
		t.Error("REPORT.md does not name the media type")
	}
}

func TestInvocationIdentity(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:sts::444455556666:assumed-role/app-role/ecs-7f3a": "arn:aws:iam::444455556666:role/app-role",
		"arn:aws-cn:sts::444455556666:assumed-role/app-role/s":     "arn:aws-cn:iam::444455556666:role/app-role",
		"arn:aws:iam::444455556666:user/svc-ci":                    "arn:aws:iam::444455556666:user/svc-ci",
		"arn:aws:sts::444455556666:federated-user/bob":             "arn:aws:sts::444455556666:federated-user/bob",
		"not an arn": "not an arn",
	} {
		if got := invocationIdentity(in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
