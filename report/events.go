package report

import (
	"fmt"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// eventDetector raises one finding per identity for the CloudTrail events
// a predicate selects.
type eventDetector struct {
	match func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool)
	say   func(identity string, g *group) string
	gs    groups
}

// eventRule makes a detector factory for a single-event rule. match
// returns the severity of a matching event; say writes the sentence of an
// identity's finding.
func eventRule(match func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool), say func(identity string, g *group) string) func() Detector {
	return func() Detector { return &eventDetector{match: match, say: say} }
}

func (d *eventDetector) Observe(c *Context, r *Record) {
	if r.Event == nil {
		return
	}
	sev, ok := d.match(c, r.Event)
	if !ok {
		return
	}
	id := identity(r.Event)
	g := d.gs.get(id)
	g.add(r, r.Event.EventTime, id)
	g.sev = max(g.sev, sev)
}

func (d *eventDetector) limits() []string { return d.gs.limits() }

func (d *eventDetector) Findings(*Context) []Finding {
	var out []Finding
	for _, k := range d.gs.sorted() {
		g := d.gs.m[k]
		out = append(out, g.finding(g.sev, d.say(k, g)))
	}
	return out
}

// named matches events by name (and source, when given), at a severity.
func named(sev Severity, src string, names ...string) func(*Context, *schemas.CloudTrailEvent) (Severity, bool) {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return func(_ *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
		if !set[ev.EventName] || (src != "" && ev.EventSource != src) {
			return 0, false
		}
		return sev, true
	}
}

// calls is a sentence for an identity's matching calls.
func calls(verb string) func(string, *group) string {
	return func(id string, g *group) string {
		return fmt.Sprintf("%s %s (%s) %s, %s.", shortARN(id), verb, plural(g.count, "call", "calls"), span(g.first, g.last), where(g))
	}
}

// namesSQL quotes event names for an IN list.
func namesSQL(names ...string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + sqlQuote(n) + "'"
	}
	return strings.Join(q, ", ")
}

// ctSQL is the DuckDB query over cloudtrail_events with a WHERE clause.
func ctSQL(where string) string {
	return "SELECT account, region, event_time, event_id, event_name, user_identity_arn, access_key_id, source_ip_address " +
		"FROM read_parquet('tables/cloudtrail_events/*/*/*.parquet', hive_partitioning = true) WHERE " + where + " ORDER BY event_time"
}

// tableSQL is a DuckDB query over any table with a WHERE clause.
func tableSQL(table, cols, where string) string {
	return "SELECT " + cols + " FROM read_parquet('tables/" + table + "/*/*/*.parquet', hive_partitioning = true) WHERE " + where
}

// where says the accounts and regions of a group.
func where(g *group) string {
	a, r := "account ", "region "
	if len(g.accounts) > 1 {
		a = "accounts "
	}
	if len(g.regions) > 1 {
		r = "regions "
	}
	return "in " + a + list(g.accounts, 3) + ", " + r + list(g.regions, 4)
}
