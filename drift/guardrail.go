package drift

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// guardrailPair is every version of one guardrail, on each side.
type guardrailPair struct {
	base, now map[string]*resource // by version
}

// guardrail compares one guardrail: deleted, added, or version by
// version, each version the bundle holds against the same version of the
// baseline or, for a version the baseline does not have, against the
// baseline's newest.
func (d *differ) guardrail(g *guardrailPair) {
	any1 := func(m map[string]*resource) *resource {
		for _, v := range sortedKeys(m) {
			return m[v]
		}
		return nil
	}
	b, a := any1(g.base), any1(g.now)
	switch {
	case a == nil:
		if !d.a.covers(b.Source, b.Account, b.Region, b.Unit) {
			if why := d.a.why("bundle", b.Source, b.Account, b.Region, b.Unit); why != "" {
				d.notCompared("%s", why)
			}
			return
		}
		ref := newestVersion(g.base)
		p := ref.fields()
		c := Change{
			Type: GuardrailDeleted, Element: schemas.ElementAI, Severity: High, Kind: schemas.KindGuardrail,
			Account: b.Account, Region: b.Region, Subject: b.ARN,
			Summary: fmt.Sprintf("guardrail %s deleted, every version", guardrailName(b)),
			Before:  &State{Version: ref.Version, Versions: versionsOf(g.base), Status: ref.Status, Value: ref.Normalized},
			Details: protections(p),
		}
		if len(getList(p, "sensitive_information_policy.PiiEntities"))+len(getList(p, "sensitive_information_policy.Regexes")) > 0 {
			c.Details = append(c.Details, "it protected private data: applications using it now send and receive that data unfiltered")
		}
		d.add(c)
		return
	case b == nil:
		if !d.b.covers(a.Source, a.Account, a.Region, a.Unit) {
			if why := d.b.why("baseline", a.Source, a.Account, a.Region, a.Unit); why != "" {
				d.notCompared("%s", why)
			}
			return
		}
		d.add(Change{
			Type: GuardrailAdded, Element: schemas.ElementAI, Severity: Low, Kind: schemas.KindGuardrail,
			Account: a.Account, Region: a.Region, Subject: a.ARN,
			Summary: fmt.Sprintf("guardrail %s added", guardrailName(a)),
			After:   &State{Versions: versionsOf(g.now), Status: a.Status},
		})
		return
	}
	for _, v := range sortedKeys(g.now) {
		a := g.now[v]
		ref, same := g.base[v]
		if !same {
			ref = newestVersion(g.base)
		}
		loose, tight, other, private := compareGuardrail(ref.fields(), a.fields())
		c := Change{
			Kind: schemas.KindGuardrail, Account: a.Account, Region: a.Region, Subject: a.ARN, Version: v,
			Before: &State{Version: ref.Version, Status: ref.Status, Value: ref.Normalized},
			After:  &State{Version: a.Version, Status: a.Status, Value: a.Normalized},
		}
		against := ""
		if !same {
			against = fmt.Sprintf(" (new; compared with baseline version %s)", ref.Version)
		}
		switch {
		case len(loose) > 0:
			c.Type, c.Element, c.Severity = GuardrailWeakened, schemas.ElementAI, High
			if private && len(loose) == countPrivate(loose) {
				c.Element = schemas.ElementPrivateData
			}
			c.Details = append(loose, append(tight, other...)...)
			c.Summary = fmt.Sprintf("guardrail %s version %s%s weakened: %s", guardrailName(a), v, against, strings.Join(head(slices.Clone(loose), 3), "; "))
		case len(tight) > 0:
			c.Type, c.Element, c.Severity = GuardrailStrengthened, schemas.ElementAI, Info
			c.Details = append(tight, other...)
			c.Summary = fmt.Sprintf("guardrail %s version %s%s strengthened", guardrailName(a), v, against)
		case len(other) > 0:
			c.Type, c.Element, c.Severity = GuardrailChanged, schemas.ElementAI, Medium
			c.Details = other
			c.Summary = fmt.Sprintf("guardrail %s version %s%s changed: %s", guardrailName(a), v, against, strings.Join(head(slices.Clone(other), 3), "; "))
		case !same:
			c.Type, c.Element, c.Severity = GuardrailVersionAdded, schemas.ElementAI, Low
			c.Summary = fmt.Sprintf("guardrail %s version %s published, with the policies of baseline version %s", guardrailName(a), v, ref.Version)
		default:
			continue
		}
		d.add(c)
	}
	for _, v := range sortedKeys(g.base) {
		if _, ok := g.now[v]; !ok {
			b := g.base[v]
			d.add(Change{
				Type: GuardrailChanged, Element: schemas.ElementAI, Severity: Medium, Kind: schemas.KindGuardrail,
				Account: b.Account, Region: b.Region, Subject: b.ARN, Version: v,
				Summary: fmt.Sprintf("guardrail %s version %s deleted", guardrailName(b), v),
				Before:  &State{Version: v, Status: b.Status, Value: b.Normalized},
			})
		}
	}
}

func guardrailName(r *resource) string {
	n := r.Name
	if n == "" {
		n = getString(r.fields(), "name")
	}
	if n == "" {
		return r.ID
	}
	return n + " (" + r.ID + ")"
}

// newestVersion is the highest numbered version, or the draft.
func newestVersion(m map[string]*resource) *resource {
	var best *resource
	bestN := -1
	for v, r := range m {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1
		}
		if best == nil || n > bestN {
			best, bestN = r, n
		}
	}
	return best
}

func versionsOf(m map[string]*resource) []string {
	vs := sortedKeys(m)
	slices.SortFunc(vs, func(a, b string) int {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		if errA != nil || errB != nil {
			return strings.Compare(b, a)
		}
		return y - x
	})
	return vs
}

var strengths = map[string]int{"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}

// actionRank orders what a guardrail does on a match: nothing (detect
// only), anonymize, block.
var actionRank = map[string]int{"NONE": 0, "ANONYMIZE": 1, "BLOCK": 2}

const privateMark = "sensitive information: "

func countPrivate(xs []string) int {
	n := 0
	for _, x := range xs {
		if strings.HasPrefix(x, privateMark) {
			n++
		}
	}
	return n
}

// enabled reads InputEnabled/OutputEnabled; absent means enabled.
func enabled(m map[string]any, member string) bool {
	v, ok := m[member].(bool)
	return !ok || v
}

// compareGuardrail lists what a version loosens, tightens and otherwise
// changes, against a reference version.
func compareGuardrail(ref, cur map[string]any) (loose, tight, other []string, private bool) {
	// Content filters: strengths, per direction.
	bf := byName(getList(ref, "content_policy.Filters"), "Type")
	af := byName(getList(cur, "content_policy.Filters"), "Type")
	for _, t := range sortedKeys(union(bf, af)) {
		for _, dir := range []string{"Input", "Output"} {
			sb, sa := filterStrength(bf[t], dir), filterStrength(af[t], dir)
			line := fmt.Sprintf("content filter %s %s strength %s → %s", t, strings.ToLower(dir), strengthName(bf[t], dir), strengthName(af[t], dir))
			switch {
			case sa < sb:
				loose = append(loose, line)
			case sa > sb:
				tight = append(tight, line)
			}
		}
	}
	// Denied topics.
	bt := byName(getList(ref, "topic_policy.Topics"), "Name")
	at := byName(getList(cur, "topic_policy.Topics"), "Name")
	for _, n := range sortedKeys(union(bt, at)) {
		switch {
		case at[n] == nil:
			loose = append(loose, fmt.Sprintf("denied topic %q removed", n))
		case bt[n] == nil:
			tight = append(tight, fmt.Sprintf("denied topic %q added", n))
		default:
			if getString(bt[n], "Definition") != getString(at[n], "Definition") {
				other = append(other, fmt.Sprintf("denied topic %q redefined: %s → %s", n, short(bt[n]["Definition"]), short(at[n]["Definition"])))
			}
			loose, tight = compareActions(fmt.Sprintf("denied topic %q", n), bt[n], at[n], loose, tight, "")
		}
	}
	// Sensitive information: PII entities and regexes.
	bp := byName(getList(ref, "sensitive_information_policy.PiiEntities"), "Type")
	ap := byName(getList(cur, "sensitive_information_policy.PiiEntities"), "Type")
	for _, t := range sortedKeys(union(bp, ap)) {
		switch {
		case ap[t] == nil:
			loose = append(loose, fmt.Sprintf(privateMark+"entity %s removed (was %s)", t, getString(bp[t], "Action")))
			private = true
		case bp[t] == nil:
			tight = append(tight, fmt.Sprintf(privateMark+"entity %s added (%s)", t, getString(ap[t], "Action")))
		default:
			n := len(loose)
			loose, tight = compareActions("entity "+t, bp[t], ap[t], loose, tight, privateMark)
			private = private || len(loose) > n
		}
	}
	br := byName(getList(ref, "sensitive_information_policy.Regexes"), "Name")
	ar := byName(getList(cur, "sensitive_information_policy.Regexes"), "Name")
	for _, n := range sortedKeys(union(br, ar)) {
		switch {
		case ar[n] == nil:
			loose = append(loose, fmt.Sprintf(privateMark+"regex %q removed", n))
			private = true
		case br[n] == nil:
			tight = append(tight, fmt.Sprintf(privateMark+"regex %q added", n))
		default:
			if getString(br[n], "Pattern") != getString(ar[n], "Pattern") {
				other = append(other, fmt.Sprintf(privateMark+"regex %q pattern %s → %s", n, short(br[n]["Pattern"]), short(ar[n]["Pattern"])))
			}
			k := len(loose)
			loose, tight = compareActions(fmt.Sprintf("regex %q", n), br[n], ar[n], loose, tight, privateMark)
			private = private || len(loose) > k
		}
	}
	// Word filters.
	bw := byName(getList(ref, "word_policy.Words"), "Text")
	aw := byName(getList(cur, "word_policy.Words"), "Text")
	for _, w := range sortedKeys(union(bw, aw)) {
		switch {
		case aw[w] == nil:
			loose = append(loose, fmt.Sprintf("blocked word %q removed", w))
		case bw[w] == nil:
			tight = append(tight, fmt.Sprintf("blocked word %q added", w))
		}
	}
	bl := byName(getList(ref, "word_policy.ManagedWordLists"), "Type")
	al := byName(getList(cur, "word_policy.ManagedWordLists"), "Type")
	for _, t := range sortedKeys(union(bl, al)) {
		switch {
		case al[t] == nil:
			loose = append(loose, fmt.Sprintf("managed word list %s removed", t))
		case bl[t] == nil:
			tight = append(tight, fmt.Sprintf("managed word list %s added", t))
		}
	}
	// Contextual grounding: thresholds.
	bg := byName(getList(ref, "contextual_grounding_policy.Filters"), "Type")
	ag := byName(getList(cur, "contextual_grounding_policy.Filters"), "Type")
	for _, t := range sortedKeys(union(bg, ag)) {
		tb, ta := threshold(bg[t]), threshold(ag[t])
		line := fmt.Sprintf("contextual grounding %s threshold %s → %s", t, thresholdName(bg[t]), thresholdName(ag[t]))
		switch {
		case ta < tb:
			loose = append(loose, line)
		case ta > tb:
			tight = append(tight, line)
		}
	}
	// Everything else the version says.
	for _, f := range []string{"blocked_input_messaging", "blocked_outputs_messaging", "kms_key_arn"} {
		if !equalJSON(ref[f], cur[f]) {
			other = append(other, fmt.Sprintf("%s: %s → %s", f, short(ref[f]), short(cur[f])))
		}
	}
	return loose, tight, other, private
}

// compareActions compares what a policy entry does on input and output:
// its action (BLOCK, ANONYMIZE, NONE) and whether it is enabled.
func compareActions(what string, b, a map[string]any, loose, tight []string, mark string) ([]string, []string) {
	for _, dir := range []string{"Input", "Output"} {
		rb, ra := entryRank(b, dir), entryRank(a, dir)
		line := fmt.Sprintf("%s%s %s action %s → %s", mark, what, strings.ToLower(dir), entryAction(b, dir), entryAction(a, dir))
		switch {
		case ra < rb:
			loose = append(loose, line)
		case ra > rb:
			tight = append(tight, line)
		}
	}
	return loose, tight
}

// entryAction is an entry's action in one direction, NONE when disabled.
func entryAction(m map[string]any, dir string) string {
	if m == nil || !enabled(m, dir+"Enabled") {
		return "NONE"
	}
	act := getString(m, dir+"Action")
	if act == "" {
		act = getString(m, "Action")
	}
	if act == "" {
		act = "BLOCK"
	}
	return act
}

func entryRank(m map[string]any, dir string) int {
	if r, ok := actionRank[entryAction(m, dir)]; ok {
		return r
	}
	return actionRank["BLOCK"]
}

// filterStrength is a content filter's effective strength in one
// direction: NONE when the filter is absent, disabled or only detects.
func filterStrength(f map[string]any, dir string) int {
	if f == nil || !enabled(f, dir+"Enabled") || getString(f, dir+"Action") == "NONE" {
		return 0
	}
	return strengths[getString(f, dir+"Strength")]
}

func strengthName(f map[string]any, dir string) string {
	switch {
	case f == nil:
		return "(no filter)"
	case !enabled(f, dir+"Enabled"):
		return getString(f, dir+"Strength") + " (disabled)"
	case getString(f, dir+"Action") == "NONE":
		return getString(f, dir+"Strength") + " (detect only)"
	}
	return getString(f, dir+"Strength")
}

func threshold(f map[string]any) float64 {
	if f == nil || !enabled(f, "Enabled") || getString(f, "Action") == "NONE" {
		return 0
	}
	n, _ := f["Threshold"].(json.Number)
	v, _ := n.Float64()
	return v
}

func thresholdName(f map[string]any) string {
	if f == nil {
		return "(no filter)"
	}
	s := fmt.Sprint(f["Threshold"])
	if !enabled(f, "Enabled") {
		s += " (disabled)"
	}
	return s
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// protections summarizes what a guardrail version enforced.
func protections(p map[string]any) []string {
	var out []string
	for _, f := range getList(p, "content_policy.Filters") {
		if m, ok := f.(map[string]any); ok {
			out = append(out, fmt.Sprintf("enforced content filter %s input %s, output %s", getString(m, "Type"), strengthName(m, "Input"), strengthName(m, "Output")))
		}
	}
	for _, t := range getList(p, "topic_policy.Topics") {
		out = append(out, fmt.Sprintf("denied topic %q", getString(t, "Name")))
	}
	for _, e := range getList(p, "sensitive_information_policy.PiiEntities") {
		out = append(out, fmt.Sprintf(privateMark+"entity %s %s", getString(e, "Type"), getString(e, "Action")))
	}
	for _, e := range getList(p, "sensitive_information_policy.Regexes") {
		out = append(out, fmt.Sprintf(privateMark+"regex %q %s", getString(e, "Name"), getString(e, "Action")))
	}
	return out
}
