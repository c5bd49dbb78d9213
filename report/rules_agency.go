package report

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// sendCalls are the calls by which an agent reaches people outside.
var sendCalls = map[string]bool{
	"ses.amazonaws.com/SendEmail": true, "ses.amazonaws.com/SendRawEmail": true, "ses.amazonaws.com/SendBulkEmail": true,
	"ses.amazonaws.com/SendTemplatedEmail": true, "ses.amazonaws.com/SendBulkTemplatedEmail": true,
	"sns.amazonaws.com/Publish": true, "sns.amazonaws.com/PublishBatch": true,
}

// sendBurst is how many outbound messages from one role make them high
// severity.
const sendBurst = 10

func agencyRules() []Rule {
	return []Rule{
		{
			ID: "agency.role-reach", Title: "Agent execution role can act beyond its purpose",
			Element: ElementAgency, Severity: Medium,
			Rationale: "What an agent can do on its own is what its execution role and its action groups' function roles allow. Sending email, " +
				"changing IAM, writing to its own knowledge base's bucket, invoking any function, or acting on every resource turn one poisoned " +
				"document or injected prompt into action. What a role could do is medium severity; what it did is the role-actions rule's.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/agents-permissions.html",
				"https://genai.owasp.org/llmrisk/llm062025-excessive-agency/"},
			Tables: []string{schemas.TableResources},
			Query: tableSQL(schemas.TableResources, "account, arn, s.value ->> 'Action' action, s.value ->> 'Resource' resource",
				"kind = 'aws.iam.role'") + " -- with every inline and attached policy statement unnested; Allow statements covering ses:Send*, iam:*, s3:PutObject on knowledge-base buckets, lambda:InvokeFunction on *, or Resource *",
			New: func() Detector { return &roleReach{} },
		},
		{
			ID: "agency.role-actions", Title: "Actions taken by an agent's roles",
			Element: ElementAgency, Severity: High,
			Rationale: "Email sent, messages published, or changes made by an agent's or action group's role in the window are what the AI did on its own. " +
				fmt.Sprintf("%d or more outbound messages from one role is high severity.", sendBurst),
			References: []string{"https://docs.aws.amazon.com/ses/latest/dg/logging-using-cloudtrail.html"},
			Tables:     []string{schemas.TableResources, schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code", "request_parameters"},
			Query: ctSQL("user_identity_type = 'AssumedRole' AND ((event_source = 'ses.amazonaws.com' AND event_name LIKE 'Send%') OR " +
				"(event_source = 'sns.amazonaws.com' AND event_name LIKE 'Publish%') OR (NOT read_only AND session_issuer_arn IN " +
				"(SELECT arn FROM read_parquet('tables/resources/*/*/*.parquet') WHERE kind = 'aws.iam.role')))"),
			New: func() Detector { return &roleActions{sends: map[string]int64{}, recipients: map[string][]string{}} },
		},
	}
}

// statement is one IAM policy statement with its lists normalized.
type statement struct {
	Effect    string
	Action    []string
	NotAction []string
	Resource  []string
}

// statementList returns the Statement member of a policy document, which
// may come URL-encoded or as a JSON string holding the document; nil if
// there is none.
func statementList(doc json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(doc, &s) == nil {
		if d, err := url.QueryUnescape(s); err == nil {
			s = d
		}
		doc = json.RawMessage(s)
	}
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &p) != nil || len(p.Statement) == 0 {
		return nil
	}
	return p.Statement
}

// strList reads a string or a list of strings.
type strList []string

func (s *strList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// statements parses a policy document, which may be URL-encoded or a JSON
// string holding the document.
func statements(doc json.RawMessage) []statement {
	st := statementList(doc)
	if st == nil {
		return nil
	}
	type raw struct {
		Effect    string
		Action    strList
		NotAction strList
		Resource  strList
	}
	var list []raw
	if json.Unmarshal(st, &list) != nil {
		var one raw
		if json.Unmarshal(st, &one) != nil {
			return nil
		}
		list = []raw{one}
	}
	out := make([]statement, len(list))
	for i, r := range list {
		out[i] = statement{Effect: r.Effect, Action: r.Action, NotAction: r.NotAction, Resource: r.Resource}
	}
	return out
}

// covers reports whether an IAM action pattern (with * and ?) allows an
// action; IAM matches actions without regard to case.
func covers(pattern, action string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok
}

// allows reports whether the statement allows the action.
func (s statement) allows(action string) bool {
	if !strings.EqualFold(s.Effect, "Allow") {
		return false
	}
	if len(s.NotAction) > 0 {
		return !slices.ContainsFunc(s.NotAction, func(p string) bool { return covers(p, action) })
	}
	return slices.ContainsFunc(s.Action, func(p string) bool { return covers(p, action) })
}

func (s statement) anyResource() bool {
	return slices.ContainsFunc(s.Resource, func(r string) bool { return r == "*" || r == "arn:aws:*:*:*:*" })
}

// reach is one capability found in a role's policies.
type reach struct {
	what string
	sev  Severity
}

// readVerbs are action prefixes that only read, or use a model: acting on
// every resource with them is not reach worth listing.
var readVerbs = []string{"get", "list", "describe", "invokemodel", "converse", "applyguardrail", "retrieve", "head", "batchget", "decrypt", "generatedatakey"}

// roleReaches lists what a role's statements allow that an agent should
// not do on its own.
func roleReaches(c *Context, sts []statement) []reach {
	var out []reach
	add := func(what string, sev Severity) {
		if !slices.ContainsFunc(out, func(r reach) bool { return r.what == what }) {
			out = append(out, reach{what, sev})
		}
	}
	for _, s := range sts {
		if !strings.EqualFold(s.Effect, "Allow") {
			continue
		}
		covered := map[string]bool{} // action patterns a specific reach already names
		mark := func(a string) {
			for _, p := range s.Action {
				if covers(p, a) {
					covered[p] = true
				}
			}
		}
		if slices.Contains(s.Action, "*") && s.anyResource() {
			add("do anything to anything (* on *)", Medium)
			continue
		}
		for _, a := range []string{"ses:SendEmail", "ses:SendRawEmail", "ses:SendBulkEmail"} {
			if s.allows(a) {
				who := "the identities it names"
				if s.anyResource() {
					who = "any identity"
				}
				add("send email as "+who+" ("+a+")", Medium)
				mark("ses:SendEmail")
				mark("ses:SendRawEmail")
				mark("ses:SendBulkEmail")
				break
			}
		}
		for _, a := range []string{"iam:PassRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateAccessKey", "iam:CreateUser", "iam:UpdateAssumeRolePolicy"} {
			if s.allows(a) {
				add("change IAM ("+a+")", Medium)
				mark(a)
				break
			}
		}
		if s.allows("s3:PutObject") {
			mark("s3:PutObject")
			for _, r := range s.Resource {
				for _, b := range sortedKeys(c.kbBuckets) {
					if ok, _ := path.Match(r, "arn:aws:s3:::"+b+"/x"); ok && r != "*" {
						add("write "+c.bucketKind(b)+" "+b+" (s3:PutObject)", Medium)
					}
				}
				if r == "*" || r == "arn:aws:s3:::*" || r == "arn:aws:s3:::*/*" {
					add("write any bucket, the AI's data buckets included (s3:PutObject)", Medium)
				}
			}
		}
		if s.allows("lambda:InvokeFunction") && slices.ContainsFunc(s.Resource, func(r string) bool {
			return r == "*" || strings.HasSuffix(r, ":function:*") || strings.HasSuffix(r, ":*")
		}) {
			add("invoke any Lambda function (lambda:InvokeFunction)", Low)
			mark("lambda:InvokeFunction")
		}
		if s.anyResource() {
			for _, a := range s.Action {
				_, verb, _ := strings.Cut(strings.ToLower(a), ":")
				if covered[a] || slices.ContainsFunc(readVerbs, func(p string) bool { return strings.HasPrefix(verb, p) }) ||
					slices.ContainsFunc(routine, func(p string) bool { return strings.HasPrefix(strings.ToLower(a), p) }) {
					continue
				}
				add("act on every resource ("+a+" on *)", Low)
			}
		}
	}
	return out
}

// routine are actions every function's role has on every resource (its
// own logs and traces): not reach worth listing.
var routine = []string{"logs:createloggroup", "logs:createlogstream", "logs:putlogevents", "xray:put", "cloudwatch:putmetricdata"}

// agentTrust names the AWS services whose trust in a role makes it an
// agent's execution role or an action-group function's role.
var agentTrust = map[string]string{
	"bedrock.amazonaws.com": "assumed by Amazon Bedrock (the execution role of an agent, knowledge base or job)",
	"lambda.amazonaws.com":  "a Lambda execution role (action-group functions run as one)",
}

// trustedBy returns why a role counts as an agent's, from its trust policy.
func trustedBy(doc json.RawMessage) string {
	st := statementList(doc)
	if st == nil {
		return ""
	}
	type stmt struct {
		Effect    string
		Principal struct {
			Service strList
		}
	}
	var list []stmt
	if json.Unmarshal(st, &list) != nil {
		var one stmt
		if json.Unmarshal(st, &one) != nil {
			return ""
		}
		list = []stmt{one}
	}
	for _, x := range list {
		if !strings.EqualFold(x.Effect, "Allow") {
			continue
		}
		for _, svc := range x.Principal.Service {
			if why, ok := agentTrust[svc]; ok {
				return why
			}
		}
	}
	return ""
}

type roleReach struct {
	roles []*Record // role snapshots; few, and their documents are needed after the scan
}

func (d *roleReach) Observe(_ *Context, r *Record) {
	if r.Resource != nil && r.Resource.Kind == schemas.KindRole && len(d.roles) < 10000 {
		d.roles = append(d.roles, r)
	}
}

// roleSnapshot is the normalized role as the agency source writes it.
type roleSnapshot struct {
	Trust    json.RawMessage            `json:"trust_policy"`
	Inline   map[string]json.RawMessage `json:"inline_policies"`
	Attached map[string]json.RawMessage `json:"attached_policies"`
}

func (d *roleReach) Findings(c *Context) []Finding {
	var out []Finding
	for _, r := range d.roles {
		why, ok := c.agentRoles[r.Resource.ARN]
		if !ok {
			continue
		}
		var snap roleSnapshot
		if json.Unmarshal([]byte(r.Resource.Normalized), &snap) != nil {
			continue
		}
		var sts []statement
		for _, k := range sortedKeys(snap.Inline) {
			sts = append(sts, statements(snap.Inline[k])...)
		}
		for _, k := range sortedKeys(snap.Attached) {
			sts = append(sts, statements(snap.Attached[k])...)
		}
		rs := roleReaches(c, sts)
		if len(rs) == 0 {
			continue
		}
		sev := Severity(0)
		whats := make([]string, len(rs))
		for i, x := range rs {
			sev = max(sev, x.sev)
			whats[i] = x.what
		}
		var g group
		g.add(r, r.Resource.AcquiredAt, r.Resource.ARN)
		out = append(out, g.finding(sev, fmt.Sprintf("Role %s in account %s (%s) may %s.", r.Resource.Name, r.Partition.Account, why, list(whats, 6))))
	}
	return out
}

type roleActions struct {
	gs         groups
	sends      map[string]int64
	recipients map[string][]string
}

func (d *roleActions) Observe(c *Context, r *Record) {
	ev := r.Event
	if ev == nil || ev.UserIdentityType != "AssumedRole" || failed(ev) {
		return
	}
	id := identity(ev)
	send := sendCalls[ev.EventSource+"/"+ev.EventName]
	agent := c.AgentRole(id) && (ev.ReadOnly == nil || !*ev.ReadOnly)
	if !send && !agent {
		return
	}
	d.gs.get(id).add(r, ev.EventTime, id)
	if send && d.gs.tracked(id) {
		id = own(id) // the maps below store their key on every assignment
		d.sends[id]++
		for _, to := range recipients(ev) {
			d.recipients[id] = addName(d.recipients[id], to)
		}
	}
}

// recipients reads the addresses or topic of an outbound message.
func recipients(ev *schemas.CloudTrailEvent) []string {
	if ev.RequestParameters == nil {
		return nil
	}
	var p struct {
		Destination struct {
			ToAddresses []string `json:"toAddresses"`
		} `json:"destination"`
		Destinations []string `json:"destinations"`
		TopicArn     string   `json:"topicArn"`
	}
	if json.Unmarshal([]byte(*ev.RequestParameters), &p) != nil {
		return nil
	}
	out := append(p.Destination.ToAddresses, p.Destinations...)
	if p.TopicArn != "" {
		out = append(out, p.TopicArn)
	}
	return out
}

func (d *roleActions) limits() []string { return d.gs.limits() }

func (d *roleActions) Findings(c *Context) []Finding {
	var out []Finding
	for _, id := range d.gs.sorted() {
		g := d.gs.m[id]
		n := d.sends[id]
		sev := Medium
		if n >= sendBurst {
			sev = High
		}
		var s string
		if n > 0 {
			s = fmt.Sprintf("%s sent %s %s", shortARN(id), plural(n, "outbound message", "outbound messages"), span(g.first, g.last))
			if rc := d.recipients[id]; len(rc) > 0 {
				s += " to " + list(rc, 3)
			}
			if other := g.count - n; other > 0 {
				s += fmt.Sprintf(", and made %s", plural(other, "other change", "other changes"))
			}
		} else {
			s = fmt.Sprintf("%s made %s %s", shortARN(id), plural(g.count, "change", "changes"), span(g.first, g.last))
		}
		if w, ok := c.agentRoles[id]; ok {
			s += "; the role is " + w
		}
		out = append(out, g.finding(sev, s+"."))
	}
	return out
}
