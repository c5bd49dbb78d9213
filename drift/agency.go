package drift

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// agentSensitive are the agent fields whose change alters what the agent
// does or may do.
var agentSensitive = []string{"role_arn", "guardrail", "foundation_model", "prompt_overrides", "collaboration"}

// agent compares an agent or an agent version: its instruction first.
func (d *differ) agent(rule kindRule, b, a *resource, ds []fieldDiff) {
	if hasPath(ds, "instruction") {
		c := d.resourceChange(rule, AgentInstructionChanged, High, b, a, "instruction changed")
		for _, f := range ds {
			if f.Path == "instruction" {
				c.Details = append(c.Details, "instruction: "+short(f.Before)+" → "+short(f.After))
				c.Before.Value, c.After.Value = compact(f.Before), compact(f.After)
			}
		}
		d.add(c)
		ds = without(ds, "instruction")
		if len(ds) == 0 {
			return
		}
	}
	sev := rule.changedSev
	if hasPath(ds, agentSensitive...) {
		sev = High
	}
	c := d.resourceChange(rule, AgentChanged, sev, b, a, "changed")
	c.Details = describe(ds)
	d.add(c)
}

// alias compares an agent alias: which versions it routes to.
func (d *differ) alias(rule kindRule, b, a *resource, ds []fieldDiff) {
	if hasPath(ds, "routes_to_versions", "routing") {
		was := stringsOf(b.fields()["routes_to_versions"])
		is := stringsOf(a.fields()["routes_to_versions"])
		c := d.resourceChange(rule, AliasRoutingChanged, High, b, a,
			fmt.Sprintf("routes to version %s (was %s)", strings.Join(is, ", "), strings.Join(was, ", ")))
		c.Details = describe(ds)
		d.add(c)
		return
	}
	c := d.resourceChange(rule, rule.changed, rule.changedSev, b, a, "changed")
	c.Details = describe(ds)
	d.add(c)
}

// role compares a role's trust policy and the actions its policies allow.
func (d *differ) role(rule kindRule, b, a *resource, ds []fieldDiff) {
	bf, af := b.fields(), a.fields()
	trustWider, trustNarrower := compareTrust(bf["trust_policy"], af["trust_policy"])
	wider, narrower := comparePermissions(bf, af)
	if bb, ab := getString(bf, "permissions_boundary"), getString(af, "permissions_boundary"); bb != ab {
		if ab == "" {
			wider = append(wider, "permissions boundary "+bb+" removed")
		} else {
			narrower = append(narrower, "permissions boundary "+short(bb)+" → "+ab)
		}
	}
	switch {
	case len(trustWider) > 0 || len(wider) > 0:
		c := d.resourceChange(rule, RoleBroadened, High, b, a, "broadened: "+strings.Join(head(append(slices.Clone(trustWider), wider...), 3), "; "))
		c.Element = schemas.ElementAgency
		if len(trustWider) > 0 {
			c.Element = schemas.ElementAccess
		}
		if slices.ContainsFunc(wider, func(s string) bool { return strings.HasPrefix(s, "new action * on *") }) {
			c.Severity = Critical
		}
		c.Details = append(append(trustWider, wider...), append(trustNarrower, narrower...)...)
		d.add(c)
	case len(trustNarrower) > 0 || len(narrower) > 0:
		c := d.resourceChange(rule, RoleNarrowed, Low, b, a, "narrowed")
		c.Details = append(trustNarrower, narrower...)
		d.add(c)
	default:
		c := d.resourceChange(rule, RoleChanged, Low, b, a, "changed without granting or removing access")
		c.Details = describe(ds)
		d.add(c)
	}
}

func head(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("and %d more", len(xs)-n))
	}
	return xs
}

// statement is one policy statement, read leniently.
type statement struct {
	Effect              string
	Actions, NotActions []string
	Resources, NotRes   []string
	Principals          []string // "Service:x", "AWS:y", "Federated:z", "*"
	Conditioned         bool
}

func statements(doc any) []statement {
	var raw []any
	switch s := get(doc, "Statement").(type) {
	case []any:
		raw = s
	case map[string]any:
		raw = []any{s}
	}
	var out []statement
	for _, e := range raw {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		st := statement{
			Effect:     getString(m, "Effect"),
			Actions:    lower(stringsOf(m["Action"])),
			NotActions: lower(stringsOf(m["NotAction"])),
			Resources:  stringsOf(m["Resource"]),
			NotRes:     stringsOf(m["NotResource"]),
		}
		if c, ok := m["Condition"].(map[string]any); ok && len(c) > 0 {
			st.Conditioned = true
		}
		switch p := m["Principal"].(type) {
		case string:
			st.Principals = []string{p}
		case map[string]any:
			for _, k := range sortedKeys(p) {
				for _, v := range stringsOf(p[k]) {
					st.Principals = append(st.Principals, k+":"+v)
				}
			}
		}
		out = append(out, st)
	}
	return out
}

func lower(xs []string) []string {
	for i := range xs {
		xs[i] = strings.ToLower(xs[i])
	}
	return xs
}

// compareTrust lists principals a role's trust policy newly allows, and
// conditions it no longer puts on them.
func compareTrust(b, a any) (wider, narrower []string) {
	was, is := trustees(b), trustees(a)
	for _, p := range sortedKeys(is) {
		cond, ok := was[p]
		switch {
		case !ok:
			s := "trust: new principal " + p
			if is[p] {
				s += " (with a condition)"
			}
			wider = append(wider, s)
		case cond && !is[p]:
			wider = append(wider, "trust: condition on principal "+p+" removed")
		case !cond && is[p]:
			narrower = append(narrower, "trust: condition added on principal "+p)
		}
	}
	for _, p := range sortedKeys(was) {
		if _, ok := is[p]; !ok {
			narrower = append(narrower, "trust: principal "+p+" removed")
		}
	}
	return wider, narrower
}

// trustees maps each principal allowed to assume the role to whether
// every statement allowing it carries a condition.
func trustees(doc any) map[string]bool {
	out := map[string]bool{}
	for _, st := range statements(doc) {
		if st.Effect != "Allow" {
			continue
		}
		for _, p := range st.Principals {
			if cond, ok := out[p]; ok {
				out[p] = cond && st.Conditioned
			} else {
				out[p] = st.Conditioned
			}
		}
	}
	return out
}

// grant is one action allowed on one resource pattern.
type grant struct {
	action, resource string
	conditioned      bool
}

// grants lists what a role's inline and attached policies allow, and
// deny.
func grants(role map[string]any) (allow, deny []grant) {
	var docs []any
	for _, set := range []string{"inline_policies", "attached_policies"} {
		m, _ := role[set].(map[string]any)
		for _, k := range sortedKeys(m) {
			docs = append(docs, m[k])
		}
	}
	for _, doc := range docs {
		for _, st := range statements(doc) {
			actions := st.Actions
			if len(st.NotActions) > 0 {
				actions = []string{"*"} // everything but a few: as wide as it gets
			}
			resources := st.Resources
			if len(st.NotRes) > 0 || len(resources) == 0 {
				resources = []string{"*"}
			}
			for _, act := range actions {
				for _, res := range resources {
					g := grant{action: act, resource: res, conditioned: st.Conditioned}
					if st.Effect == "Deny" {
						deny = append(deny, g)
					} else if st.Effect == "Allow" {
						allow = append(allow, g)
					}
				}
			}
		}
	}
	return allow, deny
}

// covers says whether grant g allows everything h does.
func (g grant) covers(h grant) bool {
	return glob(g.action, h.action) && glob(g.resource, h.resource) && (!g.conditioned || h.conditioned)
}

// comparePermissions lists what the bundle's role may do that the
// baseline's could not (new services and actions, wildcard resources,
// dropped conditions, removed denials), and what it no longer may.
func comparePermissions(b, a map[string]any) (wider, narrower []string) {
	ballow, bdeny := grants(b)
	aallow, adeny := grants(a)
	services := map[string]bool{}
	for _, g := range ballow {
		services[service(g.action)] = true
	}
	seen := map[string]bool{}
	for _, h := range aallow {
		if slices.ContainsFunc(ballow, func(g grant) bool { return g.covers(h) }) {
			continue
		}
		var s string
		switch {
		case slices.ContainsFunc(ballow, func(g grant) bool { return glob(g.action, h.action) && glob(g.resource, h.resource) }):
			s = fmt.Sprintf("condition removed from %s on %s", h.action, h.resource)
		case slices.ContainsFunc(ballow, func(g grant) bool { return glob(g.action, h.action) }):
			s = fmt.Sprintf("wider resource for %s: %s", h.action, h.resource)
		case !services[service(h.action)] && service(h.action) != "*":
			s = fmt.Sprintf("new service %s: %s on %s", service(h.action), h.action, h.resource)
		default:
			s = fmt.Sprintf("new action %s on %s", h.action, h.resource)
		}
		if !seen[s] {
			seen[s] = true
			wider = append(wider, s)
		}
	}
	for _, g := range bdeny {
		if !slices.ContainsFunc(adeny, func(h grant) bool { return h.action == g.action && h.resource == g.resource }) {
			wider = append(wider, fmt.Sprintf("denial of %s on %s removed", g.action, g.resource))
		}
	}
	for _, g := range ballow {
		if slices.ContainsFunc(aallow, func(h grant) bool { return h.covers(g) }) {
			continue
		}
		s := fmt.Sprintf("no longer allowed: %s on %s", g.action, g.resource)
		if !seen[s] {
			seen[s] = true
			narrower = append(narrower, s)
		}
	}
	return wider, narrower
}

func service(action string) string {
	if i := strings.IndexByte(action, ':'); i >= 0 {
		return action[:i]
	}
	return action
}

// glob matches s against an IAM pattern: * is any run, ? any one
// character. Actions are compared lowercased by the caller.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if glob(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
