// Package report triages a sealed bundle by the seven elements of the AWS
// CIRT methodology for generative-AI incidents: rules over the bundle's
// tables raise findings, each pointing at the rows that support it, and
// each element's questions are answered from the evidence or marked as
// not collected, with the reason.
package report

import (
	"time"

	"github.com/custodyhq/custody/schemas"
)

// The seven elements, as the cloudtrail_events element column names them.
const (
	ElementAccess         = "access"
	ElementInfrastructure = "infrastructure"
	ElementAI             = "ai"
	ElementDataStore      = "datastore"
	ElementInvocation     = "invocation"
	ElementPrivateData    = "private-data"
	ElementAgency         = "agency"
)

// Elements lists the elements in the methodology's order.
func Elements() []string {
	return []string{ElementAccess, ElementInfrastructure, ElementAI, ElementDataStore, ElementInvocation, ElementPrivateData, ElementAgency}
}

// Severity ranks a finding. The values are OCSF severity_id.
type Severity int

const (
	Info     Severity = 1
	Low      Severity = 2
	Medium   Severity = 3
	High     Severity = 4
	Critical Severity = 5
)

var severityNames = map[Severity]string{Info: "info", Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "unknown"
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	for k, v := range severityNames {
		if v == string(b) {
			*s = k
			return nil
		}
	}
	*s = 0
	return nil
}

// Report is the triage of one bundle. Its JSON form has the media type
// schemas.MediaTypeReport.
type Report struct {
	MediaType string    `json:"media_type"`
	Bundle    string    `json:"bundle"`
	Case      string    `json:"case"`
	Title     string    `json:"title,omitempty"`
	Generated time.Time `json:"generated"`
	Window    Window    `json:"window"`
	// ManifestSHA256 ties the report to the exact bundle it read.
	ManifestSHA256 string     `json:"manifest_sha256"`
	Verified       bool       `json:"verified"`
	Accounts       []string   `json:"accounts"`
	Regions        []string   `json:"regions"`
	Tables         []Table    `json:"tables"`
	Gaps           int        `json:"gaps"`
	Summary        Summary    `json:"summary"`
	Elements       []Answer   `json:"elements"`
	Findings       []Finding  `json:"findings"`
	Timeline       Timeline   `json:"timeline"`
	Rules          []RuleInfo `json:"rules"`
	// Limits says what the report's bounds on memory left out: findings
	// past a rule's cap, identities past a detector's, timeline lanes.
	Limits []string `json:"limits,omitempty"`
}

// Window is the collection's time range.
type Window struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// Table counts the rows the report read from one table.
type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Summary counts findings by severity and names what matters most.
type Summary struct {
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"`
	Highest    string         `json:"highest_severity,omitempty"`
	Principals []string       `json:"principals"` // principals of high and critical findings
	Headline   string         `json:"headline"`
}

// Finding is one rule's conclusion, with the rows that support it.
type Finding struct {
	ID         string    `json:"id"` // stable within a report: rule id and a sequence number
	Rule       string    `json:"rule"`
	Title      string    `json:"title"`
	Element    string    `json:"element"`
	Severity   Severity  `json:"severity"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Principals []string  `json:"principals"`
	Accounts   []string  `json:"accounts"`
	Regions    []string  `json:"regions"`
	Summary    string    `json:"summary"`
	Count      int64     `json:"count"` // rows that matched; Evidence holds at most MaxEvidence of them
	Evidence   []Pointer `json:"evidence"`
}

// Pointer names one row of the bundle: its table, its partition, and the
// column and value that identify it, so DuckDB can open it.
type Pointer struct {
	Table     string    `json:"table"`
	Partition string    `json:"partition"` // account=<id>/region=<r>
	Column    string    `json:"column"`    // event_id, evidence_object_id, request_id
	Value     string    `json:"value"`
	Version   string    `json:"version,omitempty"` // object version id, guardrail version
	Time      time.Time `json:"time,omitzero"`
}

// Path is the directory of the pointer's partition inside the bundle.
func (p Pointer) Path() string { return "tables/" + p.Table + "/" + p.Partition }

// SQL is a DuckDB query that returns the row, with the bundle at dir.
func (p Pointer) SQL(dir string) string {
	if dir == "" {
		dir = "."
	}
	return "SELECT * FROM read_parquet('" + sqlQuote(dir+"/"+p.Path()+"/*.parquet") + "', hive_partitioning = true) WHERE " +
		p.Column + " = '" + sqlQuote(p.Value) + "'"
}

func sqlQuote(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Answer is one element's questions answered from the evidence.
type Answer struct {
	Element   string   `json:"element"`
	Title     string   `json:"title"`
	Questions []string `json:"questions"`
	// Status: "findings" (rules raised findings), "answered" (evidence was
	// collected and nothing was raised), "no-evidence" (nothing collected).
	Status   string   `json:"status"`
	Answer   string   `json:"answer"`
	Sources  []string `json:"sources"` // tables and kinds consulted, with row counts
	Reasons  []string `json:"reasons,omitempty"`
	Findings []string `json:"findings,omitempty"` // finding ids
}

// Answer statuses.
const (
	StatusFindings   = "findings"
	StatusAnswered   = "answered"
	StatusNoEvidence = "no-evidence"
)

// Timeline is the count of events per principal over time.
type Timeline struct {
	Start  time.Time      `json:"start"`
	Bucket Duration       `json:"bucket"`
	Series []Series       `json:"series"`
	Marks  []TimelineMark `json:"marks"`
}

// Series is one principal's events per bucket.
type Series struct {
	Principal string  `json:"principal"`
	Total     int64   `json:"total"`
	Counts    []int64 `json:"counts"`
}

// TimelineMark places a finding on the timeline.
type TimelineMark struct {
	Finding   string    `json:"finding"`
	Severity  Severity  `json:"severity"`
	Principal string    `json:"principal,omitempty"`
	Time      time.Time `json:"time"`
}

// Duration is a time.Duration written as a Go duration string.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// RuleInfo is a rule as the report lists it.
type RuleInfo struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Element    string   `json:"element"`
	Severity   Severity `json:"severity"`
	Rationale  string   `json:"rationale"`
	References []string `json:"references,omitempty"`
	Tables     []string `json:"tables"`
	Query      string   `json:"query"`
}

// MediaType is the media type of a report's JSON form.
const MediaType = schemas.MediaTypeReport
