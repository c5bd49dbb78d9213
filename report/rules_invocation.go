package report

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// useCalls are the calls that use or probe a model for LLMjacking.
var useCalls = map[string]bool{
	"InvokeModel": true, "InvokeModelWithResponseStream": true, "Converse": true, "ConverseStream": true,
	"GetFoundationModelAvailability": true,
}

// Thresholds of the invocation rules.
const (
	shareMin       = 0.10 // an identity's share of its account's model calls
	regionsMin     = 3    // distinct regions within regionsWindow
	regionsWindow  = time.Hour
	tokenHourMin   = 50_000 // tokens in an hour before a spike counts
	tokenSpikeX    = 5      // times the identity's median hour
	tokenHourAlarm = 1_000_000
)

func invocationRules() []Rule {
	return []Rule{
		{
			ID: "invocation.llmjacking-share", Title: "LLMjacking: an identity's share of model calls",
			Element: ElementInvocation, Severity: High,
			Rationale: "Resold stolen access shows as one identity making a large share of an account's model calls, often after checking which models " +
				"are available (GetFoundationModelAvailability). Workloads run under roles; a long-term key with a large share, or any identity probing " +
				"model availability, is unusual.",
			References: []string{"https://sysdig.com/blog/growing-dangers-of-llmjacking/", "https://permiso.io/blog/exploiting-hosted-models"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "access_key_id", "request_parameters"},
			Query: "SELECT account, identity, count(*) n, n / sum(n) OVER (PARTITION BY account) share FROM (SELECT account, " +
				"coalesce(nullif(session_issuer_arn, ''), user_identity_arn) identity FROM read_parquet('tables/cloudtrail_events/*/*/*.parquet', hive_partitioning = true) " +
				"WHERE event_name IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream', 'GetFoundationModelAvailability')) GROUP BY ALL ORDER BY share DESC",
			New: func() Detector { return &llmShare{accts: map[string]*acctCalls{}} },
		},
		{
			ID: "invocation.many-regions", Title: "Model calls across many regions within an hour",
			Element: ElementInvocation, Severity: High,
			Rationale: "Spreading calls over regions multiplies the quota a stolen credential can burn. Long-term keys are watched: workload roles " +
				"calling several regions is routine with cross-region inference profiles.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code", "access_key_id"},
			Query: ctSQL("access_key_id LIKE 'AKIA%' AND event_name IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')") +
				" -- grouped by access key and hour, kept when count(DISTINCT region) >= 3",
			New: func() Detector { return &manyRegions{ids: map[string]map[int64]map[string]ref{}} },
		},
		{
			ID: "invocation.token-spike", Title: "Spike in tokens consumed",
			Element: ElementInvocation, Severity: High,
			Rationale: fmt.Sprintf("An hour in which an identity consumed %d times its median hour, and at least %d tokens, is a change of use; %d tokens in one hour is high severity on its own.",
				tokenSpikeX, tokenHourMin, tokenHourAlarm),
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"},
			Tables:     []string{schemas.TableInvocations},
			Columns:    []string{"input_tokens", "output_tokens"},
			Query:      tableSQL(schemas.TableInvocations, "identity_arn, date_trunc('hour', time) hour, sum(input_tokens + output_tokens) tokens", "true GROUP BY ALL ORDER BY hour"),
			New:        func() Detector { return &tokenSpike{ids: map[string]map[int64]*tokenHour{}} },
		},
		{
			ID: "invocation.prompt-injection", Title: "Prompt-injection or jailbreak markers in prompts",
			Element: ElementInvocation, Severity: Medium,
			Rationale: "Instructions to ignore previous instructions, requests for the system prompt, long encoded payloads and tool-call markup in a user's " +
				"prompt are attempts to turn the model against its own instructions.",
			References: []string{"https://genai.owasp.org/llmrisk/llm01-prompt-injection/", "https://atlas.mitre.org/techniques/AML.T0051"},
			Tables:     []string{schemas.TableInvocations},
			Columns:    []string{"prompt_text"},
			Query:      tableSQL(schemas.TableInvocations, "account, region, time, request_id, identity_arn, prompt_text", "regexp_matches(prompt_text, '(?i)ignore (all )?(previous|prior|above) instructions|system prompt|<function_calls>|[A-Za-z0-9+/]{120,}')"),
			New:        func() Detector { return &textMarkers{prompt: true, markers: injectionMarkers, sev: Medium} },
		},
		{
			ID: "invocation.sensitive-response", Title: "Secrets or personal data in model responses",
			Element: ElementInvocation, Severity: High,
			Rationale: "A response carrying access keys, private keys, card numbers or national identifiers means the model had them, in its context " +
				"or its knowledge base, and gave them out.",
			References: []string{"https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/"},
			Tables:     []string{schemas.TableInvocations},
			Columns:    []string{"response_text"},
			Query:      tableSQL(schemas.TableInvocations, "account, region, time, request_id, identity_arn, response_text", "regexp_matches(response_text, '(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b')"),
			New:        func() Detector { return &textMarkers{markers: leakMarkers, sev: High} },
		},
	}
}

type acctCalls struct {
	total     int64
	untracked int64 // calls of identities past maxTracked
	ids       map[string]*idCalls
}

type idCalls struct {
	g       group
	avail   int64
	long    bool
	invokes int64
	models  []string
}

type llmShare struct{ accts map[string]*acctCalls }

func (d *llmShare) Observe(_ *Context, r *Record) {
	ev := r.Event
	if ev == nil || !useCalls[ev.EventName] || ev.EventSource != bedrockSrc {
		return
	}
	a := d.accts[r.Partition.Account]
	if a == nil {
		if len(d.accts) >= maxTracked {
			return
		}
		a = &acctCalls{ids: map[string]*idCalls{}}
		d.accts[own(r.Partition.Account)] = a
	}
	a.total++
	id := identity(ev)
	c := a.ids[id]
	if c == nil {
		if len(a.ids) >= maxTracked {
			a.untracked++
			return
		}
		c = &idCalls{}
		a.ids[own(id)] = c
	}
	c.long = c.long || longTerm(ev)
	if ev.EventName == "GetFoundationModelAvailability" {
		c.avail++
	} else {
		c.invokes++
	}
	if len(c.models) < maxNames {
		c.models = addName(c.models, jsonField(ev.RequestParameters, "modelId"))
	}
	c.g.add(r, ev.EventTime, id)
}

func (d *llmShare) limits() []string {
	var n int64
	for _, a := range d.accts {
		n += a.untracked
	}
	return untracked(n, "model calls")
}

func (d *llmShare) Findings(*Context) []Finding {
	var out []Finding
	for _, acct := range sortedKeys(d.accts) {
		a := d.accts[acct]
		for _, id := range sortedKeys(a.ids) {
			c := a.ids[id]
			share := float64(c.g.count) / float64(a.total)
			var sev Severity
			switch {
			case c.long && share >= shareMin:
				sev = High
			case c.avail > 0 && share >= shareMin:
				sev = High
			case c.avail > 0:
				sev = Medium
			default:
				continue
			}
			how := "a role"
			if c.long {
				how = "a long-term access key"
			}
			out = append(out, c.g.finding(sev, fmt.Sprintf("%s (%s) made %.0f%% of the model calls in account %s: %d invocations and %d availability checks %s, "+
				"in %s, of %s.", shortARN(id), how, 100*share, acct, c.invokes, c.avail, span(c.g.first, c.g.last), list(c.g.regions, 4), list(c.models, 3))))
		}
	}
	return out
}

type manyRegions struct {
	ids  map[string]map[int64]map[string]ref // identity -> hour -> region -> first call
	over int64                               // calls of identities past maxTracked
}

func (d *manyRegions) Observe(_ *Context, r *Record) {
	ev := r.Event
	if ev == nil || !modelCalls[ev.EventName] || !longTerm(ev) || failed(ev) {
		return
	}
	id := identity(ev)
	h := d.ids[id]
	if h == nil {
		if len(d.ids) >= maxTracked {
			d.over++
			return
		}
		h = map[int64]map[string]ref{}
		d.ids[own(id)] = h
	}
	k := ev.EventTime.Unix() / int64(regionsWindow/time.Second)
	rs := h[k]
	if rs == nil {
		rs = map[string]ref{}
		h[k] = rs
	}
	if p, ok := rs[r.Partition.Region]; !ok || ev.EventTime.Before(p.ptr.Time) {
		rs[own(r.Partition.Region)] = r.ref()
	}
}

func (d *manyRegions) limits() []string { return untracked(d.over, "model calls") }

func (d *manyRegions) Findings(*Context) []Finding {
	var out []Finding
	for _, id := range sortedKeys(d.ids) {
		var g group
		hours := 0
		hk := sortedKeys(d.ids[id])
		for _, k := range hk {
			rs := d.ids[id][k]
			if len(rs) < regionsMin {
				continue
			}
			hours++
			for _, reg := range sortedKeys(rs) {
				g.addRef(rs[reg], rs[reg].ptr.Time, id)
			}
		}
		if hours == 0 {
			continue
		}
		out = append(out, g.finding(High, fmt.Sprintf("%s called models in %d or more regions (%s) within an hour, in %s %s.",
			shortARN(id), regionsMin, list(g.regions, 5), plural(int64(hours), "hour", "hours"), span(g.first, g.last))))
	}
	return out
}

type tokenHour struct {
	tokens int64
	g      group
}

type tokenSpike struct {
	ids  map[string]map[int64]*tokenHour
	over int64 // records of identities past maxTracked
}

func (d *tokenSpike) limits() []string { return untracked(d.over, "invocation records") }

func (d *tokenSpike) Observe(_ *Context, r *Record) {
	inv := r.Invocation
	if inv == nil {
		return
	}
	n := int64(0)
	if inv.InputTokens != nil {
		n += *inv.InputTokens
	}
	if inv.OutputTokens != nil {
		n += *inv.OutputTokens
	}
	id := invocationIdentity(inv.IdentityARN)
	h := d.ids[id]
	if h == nil {
		if len(d.ids) >= maxTracked {
			d.over++
			return
		}
		h = map[int64]*tokenHour{}
		d.ids[own(id)] = h
	}
	k := inv.Time.Unix() / 3600
	th := h[k]
	if th == nil {
		th = &tokenHour{}
		h[k] = th
	}
	th.tokens += n
	th.g.add(r, inv.Time, id)
}

func (d *tokenSpike) Findings(*Context) []Finding {
	var out []Finding
	for _, id := range sortedKeys(d.ids) {
		hs := d.ids[id]
		vals := make([]int64, 0, len(hs))
		for _, h := range hs {
			vals = append(vals, h.tokens)
		}
		slices.Sort(vals)
		median := vals[len(vals)/2]
		if len(vals)%2 == 0 {
			median = (vals[len(vals)/2-1] + vals[len(vals)/2]) / 2
		}
		var g group
		sev := Medium
		var peak int64
		for _, h := range hs {
			spike := len(vals) > 1 && h.tokens >= tokenHourMin && h.tokens >= tokenSpikeX*max(median, 1)
			if !spike && h.tokens < tokenHourAlarm {
				continue
			}
			if h.tokens >= tokenHourAlarm {
				sev = High
			}
			peak = max(peak, h.tokens)
			g.merge(&h.g)
		}
		if g.count == 0 {
			continue
		}
		out = append(out, g.finding(sev, fmt.Sprintf("%s consumed up to %d tokens in an hour against a median hour of %d, %s.",
			shortARN(id), peak, median, span(g.first, g.last))))
	}
	return out
}

// maxScanned is how much of a prompt or response the text rules search.
const maxScanned = 256 << 10

// marker is one pattern a text rule looks for.
type marker struct {
	name string
	re   *regexp.Regexp
	// check, when set, must also accept the match (a Luhn check, say).
	check func(string) bool
}

var injectionMarkers = []marker{
	{name: "ignore previous instructions", re: regexp.MustCompile(`(?i)\b(ignore|disregard|forget)\b.{0,20}\b(all|any|the|your)?\s*(previous|prior|above|earlier|preceding)\s+(instructions|prompts?|rules|directions)`)},
	{name: "system-prompt extraction", re: regexp.MustCompile(`(?i)\b(print|reveal|show|repeat|output|tell me|what is|display)\b.{0,30}\b(system prompt|system message|initial instructions|hidden instructions|your instructions)`)},
	{name: "jailbreak persona", re: regexp.MustCompile(`(?i)\b(you are now DAN|do anything now|developer mode|jailbreak|no restrictions|without any (restrictions|filters))\b`)},
	{name: "encoded payload", re: regexp.MustCompile(`[A-Za-z0-9+/]{120,}={0,2}|(?:\\x[0-9a-fA-F]{2}){20,}`)},
	{name: "tool-call smuggling", re: regexp.MustCompile(`(?i)<\s*(function_calls|invoke|tool_use|tool_call|antml:[a-z_]+)\b|\[TOOL_CALLS\]|"tool_calls"\s*:|<\|(im_start|tool)\|>`)},
	{name: "knowledge-base exfiltration", re: regexp.MustCompile(`(?i)\b(list|dump|print|output)\b.{0,20}\b(every|all)\b.{0,20}\b(document|file|record)s?\b.{0,40}\b(full text|verbatim|contents?)\b`)},
}

var leakMarkers = []marker{
	{name: "AWS access key", re: regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{name: "private key", re: regexp.MustCompile(`-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----`)},
	{name: "card number", re: regexp.MustCompile(`\b(?:\d[ -]?){13,19}\b`), check: luhn},
	{name: "US social security number", re: regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)},
	{name: "secret assignment", re: regexp.MustCompile(`(?i)\b(aws_secret_access_key|secret_key|api[_-]?key|password)\s*[:=]\s*\S{8,}`)},
}

// luhn reports whether the digits of s pass the Luhn check.
func luhn(s string) bool {
	var ds []int
	for _, c := range s {
		if c >= '0' && c <= '9' {
			ds = append(ds, int(c-'0'))
		}
	}
	if len(ds) < 13 || len(ds) > 19 {
		return false
	}
	sum := 0
	for i := range ds {
		d := ds[len(ds)-1-i]
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// matchMarkers returns the names of the markers found in s.
func matchMarkers(ms []marker, s string) []string {
	var out []string
	for _, m := range ms {
		for _, hit := range m.re.FindAllString(s, 8) {
			if m.check == nil || m.check(hit) {
				out = append(out, m.name)
				break
			}
		}
	}
	return out
}

// textMarkers flags invocation records whose prompt (or response)
// matches markers, one finding per identity.
type textMarkers struct {
	prompt  bool
	markers []marker
	sev     Severity
	gs      groups
	found   map[string][]string
}

func (d *textMarkers) Observe(_ *Context, r *Record) {
	inv := r.Invocation
	if inv == nil {
		return
	}
	text := inv.Response
	if d.prompt {
		text = inv.Prompt
	}
	if text == nil || *text == "" {
		return
	}
	t := *text
	if len(t) > maxScanned {
		t = t[:maxScanned]
	}
	hits := matchMarkers(d.markers, t)
	if len(hits) == 0 {
		return
	}
	id := invocationIdentity(inv.IdentityARN)
	d.gs.get(id).add(r, inv.Time, id)
	if !d.gs.tracked(id) {
		return
	}
	if d.found == nil {
		d.found = map[string][]string{}
	}
	id = own(id) // a map assignment stores its key
	for _, h := range hits {
		d.found[id] = addName(d.found[id], h)
	}
}

func (d *textMarkers) limits() []string { return d.gs.limits() }

func (d *textMarkers) Findings(*Context) []Finding {
	var out []Finding
	what := "response"
	if d.prompt {
		what = "prompt"
	}
	for _, id := range d.gs.sorted() {
		g := d.gs.m[id]
		out = append(out, g.finding(d.sev, fmt.Sprintf("%s by %s carried %s in the %s, %s.", plural(g.count, "invocation", "invocations"),
			shortARN(id), strings.Join(d.found[id], ", "), what, span(g.first, g.last))))
	}
	return out
}
