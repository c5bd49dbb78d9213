package report

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custodyhq/custody/schemas"
)

// project returns the record as a projected scan decodes it: only the
// named columns of the row are set (cols nil: every column).
func project(r *Record, cols []string) *Record {
	if cols == nil {
		return r
	}
	keep := func(row any) any {
		src := reflect.ValueOf(row).Elem()
		dst := reflect.New(src.Type())
		for i := range src.NumField() {
			tag, ok := src.Type().Field(i).Tag.Lookup("col")
			if name, _, _ := strings.Cut(tag, ","); ok && slices.Contains(cols, name) { // after the comma: options
				dst.Elem().Field(i).Set(src.Field(i))
			}
		}
		return dst.Interface()
	}
	p := *r
	p.Meta = schemas.Meta{}
	switch {
	case r.Event != nil:
		p.Event = keep(r.Event).(*schemas.CloudTrailEvent)
	case r.Invocation != nil:
		p.Invocation = keep(r.Invocation).(*schemas.Invocation)
	case r.Resource != nil:
		p.Resource = keep(r.Resource).(*schemas.Resource)
	case r.Object != nil:
		p.Object = keep(r.Object).(*schemas.Object)
	case r.Gap != nil:
		p.Gap = keep(r.Gap).(*schemas.GapRow)
	}
	return &p
}

func projectAll(e *Engine, recs []*Record) []*Record {
	out := make([]*Record, len(recs))
	for i, r := range recs {
		out[i] = project(r, e.Columns(r.Table))
	}
	return out
}

// Every rule finds the same from the columns it declares as from whole
// rows: a column a detector reads but does not declare fails here.
func TestRulesReadOnlyDeclaredColumns(t *testing.T) {
	byID := map[string]Rule{}
	for _, r := range Rules() {
		byID[r.ID] = r
	}
	for _, c := range ruleCases {
		r := byID[c.rule]
		rules := []Rule{r}
		full := runRules(rules, c.rows)
		got := runRules(rules, projectAll(NewEngine(testWindow, rules), c.rows))
		if !reflect.DeepEqual(got, full) {
			t.Errorf("%s/%s: from declared columns\n%+v\nfrom whole rows\n%+v", c.rule, c.name, got, full)
		}
	}
	recs := incidentRows()
	full := engineReport(recs, testManifest())
	got := engineReport(projectAll(NewEngine(testWindow, nil), recs), testManifest())
	if !reflect.DeepEqual(got.Findings, full.Findings) || !reflect.DeepEqual(got.Timeline, full.Timeline) ||
		!reflect.DeepEqual(got.Elements, full.Elements) {
		t.Errorf("incident report from declared columns differs from the report from whole rows")
	}
}

// The wide columns no built-in rule reads are not read; a rule that does
// not declare its columns has its tables read whole.
func TestColumnsProjection(t *testing.T) {
	e := NewEngine(testWindow, nil)
	ct := e.Columns(schemas.TableCloudTrailEvents)
	if ct == nil {
		t.Fatal("cloudtrail_events read whole")
	}
	for _, wide := range []string{"raw", "response_elements", "error_message", "evidence_claimed"} {
		if slices.Contains(ct, wide) {
			t.Errorf("cloudtrail_events: %s is read; no rule needs it", wide)
		}
	}
	if inv := e.Columns(schemas.TableInvocations); inv == nil || slices.Contains(inv, "raw") {
		t.Errorf("invocations columns %v", inv)
	}
	if e.Columns(schemas.TableResources) != nil {
		t.Error("resources are read whole: role and agent documents are searched in raw")
	}
	rules := Rules()
	rules[0].Columns = nil
	if c := NewEngine(testWindow, rules).Columns(rules[0].Tables[0]); c != nil {
		t.Errorf("a rule without declared columns: %s read as %v, want whole", rules[0].Tables[0], c)
	}
}
