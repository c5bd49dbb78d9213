package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// Rule is one detection, kept as data: what it looks for, why it matters,
// and the detector that runs it over the bundle's rows.
type Rule struct {
	ID         string
	Title      string
	Element    string
	Severity   Severity // the highest severity the rule raises
	Rationale  string
	References []string
	Tables     []string // the tables the detector reads
	// Columns names the columns of those tables the detector reads
	// beyond those the engine reads for every rule (see baseColumns); nil
	// means every column. Only the union over the rules is read from the
	// bundle, so a wide column no rule names is never decoded.
	Columns []string
	// Query is what the detector computes, as the DuckDB SQL a responder
	// can run over the bundle to reproduce it (tables are the hive
	// directories under tables/).
	Query string
	// New returns a fresh detector; it keeps aggregates, never every row.
	New func() Detector
}

// Info is the rule as a report lists it.
func (r Rule) Info() RuleInfo {
	return RuleInfo{ID: r.ID, Title: r.Title, Element: r.Element, Severity: r.Severity, Rationale: r.Rationale,
		References: r.References, Tables: r.Tables, Query: r.Query}
}

// Detector runs one rule. Observe is called with every row of the rule's
// tables, in table order (see scanOrder) and, within a table, in the
// bundle's order, which is not time order. Findings is called once, after
// the last row.
type Detector interface {
	Observe(c *Context, r *Record)
	Findings(c *Context) []Finding
}

// Record is one row of a bundle table and where it sits.
type Record struct {
	Table      string
	Partition  archive.Partition
	Meta       schemas.Meta
	Event      *schemas.CloudTrailEvent
	Resource   *schemas.Resource
	Object     *schemas.Object
	Invocation *schemas.Invocation
	Gap        *schemas.GapRow
}

// NewRecord wraps a decoded row.
func NewRecord(table string, p archive.Partition, m schemas.Meta, row schemas.Row) *Record {
	r := &Record{Table: table, Partition: p, Meta: m}
	switch v := row.(type) {
	case *schemas.CloudTrailEvent:
		r.Event = v
	case *schemas.Resource:
		r.Resource = v
	case *schemas.Object:
		r.Object = v
	case *schemas.Invocation:
		r.Invocation = v
	case *schemas.GapRow:
		r.Gap = v
	}
	return r
}

// Pointer returns the evidence pointer of the record.
func (r *Record) Pointer() Pointer {
	p := Pointer{Table: r.Table, Partition: partitionName(r.Partition)}
	switch {
	case r.Event != nil:
		p.Column, p.Value, p.Time = "event_id", own(r.Event.EventID), r.Event.EventTime
	case r.Object != nil:
		p.Column, p.Value, p.Version, p.Time = "evidence_object_id", r.Meta.ObjectID, r.Object.VersionID, r.Object.LastModified
	case r.Resource != nil:
		p.Column, p.Value, p.Version, p.Time = "evidence_object_id", r.Meta.ObjectID, r.Resource.Version, r.Resource.UpdatedAt
	case r.Invocation != nil:
		p.Column, p.Value, p.Time = "request_id", own(r.Invocation.RequestID), r.Invocation.Time
	default:
		p.Column, p.Value = "evidence_object_id", r.Meta.ObjectID
	}
	return p
}

// partitionNames holds the name of each partition seen, so the pointers
// kept of a partition's rows share one string; a bundle has few.
var partitionNames = struct {
	sync.Mutex
	m map[archive.Partition]string
}{m: map[archive.Partition]string{}}

// partitionName is account=<id>/region=<r>.
func partitionName(p archive.Partition) string {
	partitionNames.Lock()
	defer partitionNames.Unlock()
	if s, ok := partitionNames.m[p]; ok {
		return s
	}
	s := "account=" + p.Account + "/region=" + p.Region
	if len(partitionNames.m) < 4096 {
		partitionNames.m[archive.Partition{Account: own(p.Account), Region: own(p.Region)}] = s
	}
	return s
}

// Context is what every detector may consult: the collection's window,
// facts learned from tables read before the current one, and the bundle's
// blobs.
type Context struct {
	Window     Window
	kbBuckets  map[string]string // bucket -> what led to it (data source ARN)
	agentRoles map[string]string // role ARN -> why it is an agent's
	blobs      Blobs             // nil: content is not read
}

// Blobs opens a bundle's blobs by raw sha256; *archive.Reader is one.
type Blobs interface {
	OpenBlob(sha256 string) (io.ReadCloser, error)
}

func newContext(w Window) *Context {
	return &Context{Window: w, kbBuckets: map[string]string{}, agentRoles: map[string]string{}}
}

// KnowledgeBaseBucket reports whether a bucket holds data the AI uses: a
// knowledge base's documents or a model's training data.
func (c *Context) KnowledgeBaseBucket(b string) bool { _, ok := c.kbBuckets[b]; return ok }

// bucketKind names what a bucket holds, from what led to it.
func (c *Context) bucketKind(b string) string {
	led := c.kbBuckets[b]
	switch {
	case strings.Contains(led, ":knowledge-base/") || strings.Contains(led, ":data-source/") || strings.Contains(led, "knowledge"):
		return "knowledge-base bucket"
	case strings.Contains(led, "customization") || strings.Contains(led, "model") || strings.Contains(led, "training"):
		return "training-data bucket"
	}
	return "AI data bucket"
}

// AgentRole reports whether a role is an agent's or an action group's.
func (c *Context) AgentRole(arn string) bool { _, ok := c.agentRoles[arn]; return ok }

// MaxEvidence caps the pointers one finding carries; Count has the total.
const MaxEvidence = 25

// maxTracked caps the keys (identities, access keys, guardrails) one
// detector keeps state for, so memory does not grow with the sessions,
// addresses or clients in a bundle. Rows of keys past the cap are counted,
// not itemised, and the report's limits say how many.
const maxTracked = 2000

// maxFindings caps the findings one rule lists; the report's limits count
// the rest.
const maxFindings = 100

// limited is a detector whose caps left rows out of its findings.
type limited interface {
	// limits says, in sentences, what the caps left out; nil if nothing.
	limits() []string
}

// own copies a string decoded from a bundle before it is kept past the
// row: decoded strings share their column's buffer, which a kept string
// would otherwise hold in memory whole.
func own(s string) string { return strings.Clone(s) }

// maxNames caps the principals, accounts and regions a finding lists.
const maxNames = 20

// group accumulates the rows behind one finding.
type group struct {
	first, last time.Time
	principals  []string
	accounts    []string
	regions     []string
	count       int64
	evidence    []Pointer
	sev         Severity
}

func addName(xs []string, s string) []string {
	if s == "" || slices.Contains(xs, s) || len(xs) >= maxNames {
		return xs
	}
	return append(xs, own(s))
}

// ref is what a detector keeps of a row it may cite after the scan: the
// pointer and partition, never the row, so memory does not hold rows.
type ref struct {
	ptr  Pointer
	part archive.Partition
}

// ref returns the record's ref.
func (r *Record) ref() ref { return ref{ptr: r.Pointer(), part: r.Partition} }

// add records one supporting row at time t. A row already kept is not
// counted twice.
func (g *group) add(r *Record, t time.Time, principal string) { g.addRef(r.ref(), t, principal) }

// addRef is add for a row kept as a ref.
func (g *group) addRef(x ref, t time.Time, principal string) {
	if slices.Contains(g.evidence, x.ptr) {
		return
	}
	g.count++
	widen(&g.first, &g.last, t, t)
	g.principals = addName(g.principals, principal)
	g.accounts = addName(g.accounts, x.part.Account)
	g.regions = addName(g.regions, x.part.Region)
	g.keep(x.ptr)
}

// keep adds a pointer, keeping the earliest MaxEvidence.
func (g *group) keep(p Pointer) {
	if len(g.evidence) < MaxEvidence {
		g.evidence = append(g.evidence, p)
		return
	}
	// Replace the latest kept pointer if this one is earlier.
	li := 0
	for i, e := range g.evidence {
		if e.Time.After(g.evidence[li].Time) {
			li = i
		}
	}
	if p.Time.Before(g.evidence[li].Time) {
		g.evidence[li] = p
	}
}

// merge folds another group into g.
func (g *group) merge(o *group) {
	if o == nil || o.count == 0 {
		return
	}
	g.count += o.count
	widen(&g.first, &g.last, o.first, o.last)
	for _, s := range o.principals {
		g.principals = addName(g.principals, s)
	}
	for _, s := range o.accounts {
		g.accounts = addName(g.accounts, s)
	}
	for _, s := range o.regions {
		g.regions = addName(g.regions, s)
	}
	for _, p := range o.evidence {
		g.keep(p)
	}
	g.sev = max(g.sev, o.sev)
}

// finding turns the group into a finding; the engine fills in the rule's
// id, title and element.
func (g *group) finding(sev Severity, summary string) Finding {
	ev := slices.Clone(g.evidence)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Time.Before(ev[j].Time) })
	ps, as, rs := slices.Clone(g.principals), slices.Clone(g.accounts), slices.Clone(g.regions)
	slices.Sort(ps)
	slices.Sort(as)
	slices.Sort(rs)
	return Finding{Severity: sev, First: g.first, Last: g.last,
		Principals: ps, Accounts: as, Regions: rs, Summary: summary, Count: g.count, Evidence: ev}
}

// groups is a keyed set of groups, in first-seen key order, of at most
// maxTracked keys: rows of further keys go to a group that is counted but
// not listed.
type groups struct {
	keys []string
	m    map[string]*group
	over group
}

func (gs *groups) get(k string) *group {
	if gs.m == nil {
		gs.m = map[string]*group{}
	}
	g, ok := gs.m[k]
	if !ok {
		if len(gs.keys) >= maxTracked {
			return &gs.over
		}
		k = own(k)
		g = &group{}
		gs.m[k] = g
		gs.keys = append(gs.keys, k)
	}
	return g
}

// tracked reports whether k has a group of its own.
func (gs *groups) tracked(k string) bool { _, ok := gs.m[k]; return ok }

// limits says how many rows the cap on keys left unlisted.
func (gs *groups) limits() []string { return untracked(gs.over.count, "rows") }

// untracked is the sentence for n rows of keys past maxTracked.
func untracked(n int64, what string) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d %s of identities past the first %d are counted but not listed", n, what, maxTracked)}
}

// sorted returns the keys in order.
func (gs *groups) sorted() []string {
	ks := slices.Clone(gs.keys)
	slices.Sort(ks)
	return ks
}

// span formats a time range for a sentence.
func span(a, b time.Time) string {
	const f = "2006-01-02 15:04:05Z"
	if a.Equal(b) {
		return "at " + a.UTC().Format(f)
	}
	return "between " + a.UTC().Format(f) + " and " + b.UTC().Format(f)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func list(xs []string, limit int) string {
	if len(xs) <= limit {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:limit], ", ") + fmt.Sprintf(" and %d more", len(xs)-limit)
}

// widen extends the range [*first, *last] to cover [a, b]; zero times
// are unknown and change nothing.
func widen(first, last *time.Time, a, b time.Time) {
	if !a.IsZero() && (first.IsZero() || a.Before(*first)) {
		*first = a
	}
	if b.After(*last) {
		*last = b
	}
}
