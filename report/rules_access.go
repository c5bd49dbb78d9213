package report

import (
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/custodyhq/custody/schemas"
)

var modelCalls = map[string]bool{
	"InvokeModel": true, "InvokeModelWithResponseStream": true, "Converse": true, "ConverseStream": true,
}

// enumerates reports whether an event lists or reads Bedrock model,
// guardrail or logging configuration: the reconnaissance before use.
func enumerates(ev *schemas.CloudTrailEvent) bool {
	if ev.EventSource != "bedrock.amazonaws.com" || modelCalls[ev.EventName] {
		return false
	}
	n := ev.EventName
	return len(n) > 3 && (n[:3] == "Get" || n[:4] == "List")
}

func accessRules() []Rule {
	return []Rule{
		{
			ID: "access.long-term-key-enumerate-invoke", Title: "Long-term access key enumerates Bedrock, then invokes a model",
			Element: ElementAccess, Severity: High,
			Rationale: "Stolen IAM user keys (AKIA…) are the usual way into LLMjacking: the thief lists the foundation models and their availability, " +
				"then invokes one to check the key works. Applications use role sessions, not long-term keys, so the sequence from an AKIA key is rarely benign.",
			References: []string{"https://sysdig.com/blog/llmjacking-stolen-cloud-credentials-used-in-new-ai-attack/",
				"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
			Tables:  []string{schemas.TableCloudTrailEvents},
			Columns: []string{"event_source", "event_name", "error_code", "access_key_id"},
			Query: "WITH e AS (" + ctSQL("access_key_id LIKE 'AKIA%' AND event_source = 'bedrock.amazonaws.com'") + ") " +
				"SELECT a.access_key_id, a.event_time AS enumerated, b.event_time AS invoked FROM e a JOIN e b USING (access_key_id) " +
				"WHERE (a.event_name LIKE 'List%' OR a.event_name LIKE 'Get%') AND b.event_name IN ('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream') " +
				"AND b.event_time BETWEEN a.event_time AND a.event_time + INTERVAL 15 MINUTE",
			New: func() Detector { return &enumInvoke{keys: map[string]*keyMinutes{}} },
		},
		{
			ID: "access.first-seen", Title: "First-seen source IP, user agent or region for an identity",
			Element: ElementAccess, Severity: Medium,
			Rationale: "A credential used from an address, client or region it had not used before in the window, a day or more after its first use, " +
				"is the commonest trace of a leaked credential in someone else's hands.",
			References: []string{"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"user_agent", "aws_region", "access_key_id"},
			Query: "SELECT identity, source_ip_address, min(event_time) first_seen FROM (" +
				"SELECT coalesce(nullif(session_issuer_arn, ''), user_identity_arn) identity, source_ip_address, event_time " +
				"FROM read_parquet('tables/cloudtrail_events/*/*/*.parquet', hive_partitioning = true)) GROUP BY ALL " +
				"-- flagged when first_seen is 24 h or more after the identity's own first event (likewise user_agent, aws_region)",
			New: func() Detector { return &firstSeen{ids: map[string]*seen{}} },
		},
		{
			ID: "access.denied-burst", Title: "Burst of AccessDenied errors",
			Element: ElementAccess, Severity: Medium,
			Rationale:  "Ten or more refused calls by one identity within ten minutes is permission probing: someone learning what a credential may do.",
			References: []string{"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"error_code"},
			Query: ctSQL("error_code LIKE '%AccessDenied%' OR error_code LIKE '%UnauthorizedOperation%'") +
				" -- grouped by identity and 10-minute bucket, kept when count >= 10",
			New: func() Detector { return &deniedBurst{ids: map[string]map[int64]*group{}} },
		},
		{
			ID: "access.console-login-without-mfa", Title: "Console login without MFA",
			Element: ElementAccess, Severity: High,
			Rationale: "An IAM user or root signing in to the console without MFA needs only a password. Federated sessions (SSO, SAML) are " +
				"authenticated by the identity provider and are not flagged.",
			References: []string{"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_name", "additional_event_data"},
			Query:      ctSQL("event_name = 'ConsoleLogin' AND user_identity_type IN ('IAMUser', 'Root') AND json_extract_string(additional_event_data, '$.MFAUsed') = 'No'"),
			New: eventRule(func(_ *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
				if ev.EventName != "ConsoleLogin" || jsonField(ev.AdditionalData, "MFAUsed") != "No" {
					return 0, false
				}
				switch ev.UserIdentityType {
				case "Root":
					return High, true
				case "IAMUser":
					return Medium, true
				}
				return 0, false
			}, calls("signed in to the console without MFA")),
		},
		{
			ID: "access.new-credentials", Title: "New access key or console password",
			Element: ElementAccess, Severity: High,
			Rationale:  "Creating an access key or a login profile for a user is how an intruder stays in after the first credential is revoked.",
			References: []string{"https://attack.mitre.org/techniques/T1098/001/"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'iam.amazonaws.com' AND event_name IN (" + namesSQL("CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile") + ")"),
			New: eventRule(func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
				sev, ok := named(High, "iam.amazonaws.com", "CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile")(c, ev)
				if ok && failed(ev) {
					sev = Low
				}
				return sev, ok
			}, calls("created access keys or console passwords")),
		},
	}
}

// keyMinutes is what one access key did with Bedrock, by minute.
type keyMinutes struct {
	user   string
	enum   map[int64]ref // first enumeration event of each minute
	invoke map[int64]ref // first invocation event of each minute
	ips    []string
}

type enumInvoke struct {
	keys map[string]*keyMinutes
	over int64 // calls of keys past maxTracked
}

func (d *enumInvoke) limits() []string { return untracked(d.over, "Bedrock calls") }

func (d *enumInvoke) Observe(_ *Context, r *Record) {
	ev := r.Event
	if ev == nil || !longTerm(ev) || failed(ev) {
		return
	}
	inv, en := modelCalls[ev.EventName] && ev.EventSource == "bedrock.amazonaws.com", enumerates(ev)
	if !inv && !en {
		return
	}
	k := d.keys[ev.AccessKeyID]
	if k == nil {
		if len(d.keys) >= maxTracked {
			d.over++
			return
		}
		k = &keyMinutes{user: own(identity(ev)), enum: map[int64]ref{}, invoke: map[int64]ref{}}
		d.keys[own(ev.AccessKeyID)] = k
	}
	k.ips = addName(k.ips, ev.SourceIPAddress)
	m := k.enum
	if inv {
		m = k.invoke
	}
	min := ev.EventTime.Unix() / 60
	if prev, ok := m[min]; !ok || ev.EventTime.Before(prev.ptr.Time) {
		m[min] = r.ref()
	}
}

func (d *enumInvoke) Findings(*Context) []Finding {
	var out []Finding
	keys := sortedKeys(d.keys)
	for _, key := range keys {
		k := d.keys[key]
		var invMin []int64
		for m := range k.invoke {
			invMin = append(invMin, m)
		}
		slices.Sort(invMin)
		var g group
		var firstEnum, firstInv time.Time
		pairs := 0
		for _, m := range invMin {
			inv := k.invoke[m]
			var hit ref
			found := false
			for e := m - 15; e <= m; e++ {
				if r, ok := k.enum[e]; ok && !r.ptr.Time.After(inv.ptr.Time) && inv.ptr.Time.Sub(r.ptr.Time) <= 15*time.Minute {
					hit, found = r, true
					break
				}
			}
			if !found {
				continue
			}
			if firstInv.IsZero() {
				firstEnum, firstInv = hit.ptr.Time, inv.ptr.Time
			}
			pairs++
			g.addRef(hit, hit.ptr.Time, k.user)
			g.addRef(inv, inv.ptr.Time, k.user)
		}
		if g.count == 0 {
			continue
		}
		s := fmt.Sprintf("Long-term access key %s of %s enumerated Bedrock at %s and invoked a model %s later (from %s); "+
			"%s fell within 15 minutes of an enumeration.",
			key, shortARN(k.user), firstEnum.UTC().Format(time.RFC3339), firstInv.Sub(firstEnum).Round(time.Second), list(k.ips, 3),
			plural(int64(pairs), "minute with invocations", "minutes with invocations"))
		out = append(out, g.finding(High, s))
	}
	return out
}

// seen is one identity's first sightings.
type seen struct {
	first time.Time
	vals  map[string]*sighting // "ip\x00value", "ua\x00…", "region\x00…"
	long  bool
	full  bool // more values than maxSightings
}

type sighting struct {
	first time.Time
	rec   ref
	n     int64
}

type firstSeen struct {
	ids    map[string]*seen
	over   int64 // events of identities past maxTracked
	capped int   // identities with more than maxSightings values
}

// maxSightings caps the addresses, clients and regions kept per identity.
// Identities with very many (a fleet behind NAT, say) are capped: the cap
// keeps memory bounded, and such an identity is not the one this rule is
// for.
const maxSightings = 32

func (d *firstSeen) limits() []string {
	out := untracked(d.over, "events")
	if d.capped > 0 {
		out = append(out, fmt.Sprintf("%d identities used more than %d addresses, clients and regions; values past the first %d are not compared",
			d.capped, maxSightings, maxSightings))
	}
	return out
}

// baseline is how long an identity must have been active before a new
// address, client or region counts as first-seen.
const baseline = 24 * time.Hour

func (d *firstSeen) Observe(_ *Context, r *Record) {
	ev := r.Event
	if ev == nil || ev.UserIdentityType == "AWSService" || ev.EventTime.IsZero() {
		return
	}
	id := identity(ev)
	s := d.ids[id]
	if s == nil {
		if len(d.ids) >= maxTracked {
			d.over++
			return
		}
		s = &seen{first: ev.EventTime, vals: map[string]*sighting{}}
		d.ids[own(id)] = s
	}
	s.long = s.long || longTerm(ev)
	if ev.EventTime.Before(s.first) {
		s.first = ev.EventTime
	}
	var keys []string
	if net.ParseIP(ev.SourceIPAddress) != nil {
		keys = append(keys, "source IP\x00"+ev.SourceIPAddress)
	}
	if ev.UserAgent != "" {
		keys = append(keys, "user agent\x00"+ev.UserAgent)
	}
	if ev.AWSRegion != "" {
		keys = append(keys, "region\x00"+ev.AWSRegion)
	}
	for _, k := range keys {
		v := s.vals[k]
		if v == nil {
			if len(s.vals) >= maxSightings {
				if !s.full {
					s.full = true
					d.capped++
				}
				continue
			}
			s.vals[k] = &sighting{first: ev.EventTime, rec: r.ref()}
			continue
		}
		v.n++
		if ev.EventTime.Before(v.first) {
			v.first, v.rec = ev.EventTime, r.ref()
		}
	}
}

func (d *firstSeen) Findings(*Context) []Finding {
	var out []Finding
	ids := sortedKeys(d.ids)
	for _, id := range ids {
		s := d.ids[id]
		var g group
		var what []string
		vk := sortedKeys(s.vals)
		for _, k := range vk {
			v := s.vals[k]
			if v.first.Sub(s.first) < baseline {
				continue
			}
			kind, val, _ := cut0(k)
			if len(val) > 60 {
				val = val[:57] + "..."
			}
			what = append(what, kind+" "+val)
			g.addRef(v.rec, v.first, id)
		}
		if g.count == 0 {
			continue
		}
		cred := "role"
		if s.long {
			cred = "long-term credential"
		}
		sentence := fmt.Sprintf("%s (%s, active since %s) first used %s %s.", shortARN(id), cred,
			s.first.UTC().Format(time.RFC3339), list(what, 4), span(g.first, g.last))
		out = append(out, g.finding(Medium, sentence))
	}
	return out
}

func cut0(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

type deniedBurst struct {
	ids  map[string]map[int64]*group
	over int64 // refusals of identities past maxTracked
}

func (d *deniedBurst) limits() []string { return untracked(d.over, "refused calls") }

const burstWindow, burstMin = 10 * time.Minute, 10

func (d *deniedBurst) Observe(_ *Context, r *Record) {
	ev := r.Event
	if ev == nil || !denied(ev) {
		return
	}
	id := identity(ev)
	b := d.ids[id]
	if b == nil {
		if len(d.ids) >= maxTracked {
			d.over++
			return
		}
		b = map[int64]*group{}
		d.ids[own(id)] = b
	}
	k := ev.EventTime.Unix() / int64(burstWindow/time.Second)
	g := b[k]
	if g == nil {
		g = &group{}
		b[k] = g
	}
	g.add(r, ev.EventTime, id)
}

func (d *deniedBurst) Findings(*Context) []Finding {
	var out []Finding
	ids := sortedKeys(d.ids)
	for _, id := range ids {
		var all group
		bursts := 0
		merged := map[int64]bool{}
		bk := sortedKeys(d.ids[id])
		for i, k := range bk {
			n := d.ids[id][k].count
			// A burst may straddle two buckets: count the previous one too.
			if i > 0 && bk[i-1] == k-1 {
				n += d.ids[id][bk[i-1]].count
			}
			if n >= burstMin {
				bursts++
				for _, b := range []int64{k - 1, k} {
					if g, ok := d.ids[id][b]; ok && !merged[b] {
						merged[b] = true
						all.merge(g)
					}
				}
			}
		}
		if bursts == 0 {
			continue
		}
		out = append(out, all.finding(Medium, fmt.Sprintf("%s was refused %s in bursts of %d or more within %s, %s.",
			shortARN(id), plural(all.count, "call", "calls"), burstMin, burstWindow, span(all.first, all.last))))
	}
	return out
}
