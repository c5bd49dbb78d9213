package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// evidenceSpec is one kind of evidence an element is answered from.
type evidenceSpec struct {
	label   string
	table   string
	element string   // cloudtrail_events: rows of this element; "" = every row
	kinds   []string // resources: rows of these kinds
	sources []string // the sources that collect it, by name prefix
}

// elementSpec is an element's methodology questions and evidence.
type elementSpec struct {
	title     string
	questions []string
	evidence  []evidenceSpec
}

var ctSources = []string{"cloudtrail"}

var elementSpecs = map[string]elementSpec{
	ElementAccess: {
		title:     "Access",
		questions: []string{"Who got in, with which credentials, from where?", "Are they still in: new keys, passwords or roles?"},
		evidence:  []evidenceSpec{{label: "CloudTrail management events", table: schemas.TableCloudTrailEvents, sources: ctSources}},
	},
	ElementInfrastructure: {
		title:     "Infrastructure changes",
		questions: []string{"Were servers, databases or functions changed?"},
		evidence: []evidenceSpec{
			{label: "CloudTrail infrastructure events", table: schemas.TableCloudTrailEvents, element: ElementInfrastructure, sources: ctSources},
			{label: "Lambda function snapshots", table: schemas.TableResources, kinds: []string{schemas.KindLambdaFunction}, sources: []string{"lambda", "bedrock.agents"}},
		},
	},
	ElementAI: {
		title:     "AI changes",
		questions: []string{"Were models, guardrails, logging or code changed?", "Was model access requested or granted?"},
		evidence: []evidenceSpec{
			{label: "CloudTrail Bedrock and SageMaker events", table: schemas.TableCloudTrailEvents, element: ElementAI, sources: ctSources},
			{label: "guardrail versions", table: schemas.TableResources, kinds: []string{schemas.KindGuardrail}, sources: []string{"bedrock.config"}},
			{label: "invocation-logging configuration", table: schemas.TableResources, kinds: []string{schemas.KindLoggingConfig}, sources: []string{"bedrock.config"}},
			{label: "custom and imported models, jobs, throughput and model access", table: schemas.TableResources,
				kinds: []string{schemas.KindCustomModel, schemas.KindImportedModel, schemas.KindCustomizationJob, schemas.KindProvisionedThroughput,
					schemas.KindModelAvailability}, sources: []string{"bedrock"}},
			{label: "managed prompts, flows and inference profiles", table: schemas.TableResources,
				kinds:   []string{schemas.KindPrompt, schemas.KindFlow, schemas.KindFlowVersion, schemas.KindFlowAlias, schemas.KindInferenceProfile},
				sources: []string{"bedrock"}},
			{label: "SageMaker models, model registry and endpoints", table: schemas.TableResources,
				kinds: []string{schemas.KindSageMakerModel, schemas.KindModelPackageGroup, schemas.KindModelPackage, schemas.KindEndpointConfig,
					schemas.KindEndpoint}, sources: []string{"sagemaker"}},
		},
	},
	ElementDataStore: {
		title:     "Data store changes",
		questions: []string{"Were knowledge bases, data sources, agents or training data tampered with?"},
		evidence: []evidenceSpec{
			{label: "CloudTrail knowledge-base and data events", table: schemas.TableCloudTrailEvents, element: ElementDataStore, sources: ctSources},
			{label: "knowledge-base objects and versions", table: schemas.TableObjects, sources: []string{"s3.objects"}},
			{label: "knowledge bases and data sources", table: schemas.TableResources, kinds: []string{schemas.KindKnowledgeBase, schemas.KindDataSource, schemas.KindIngestionJob, schemas.KindAgentKnowledgeBase}, sources: []string{"bedrock.agents"}},
		},
	},
	ElementInvocation: {
		title:     "Invocation",
		questions: []string{"What prompts, files and responses went through the models?", "Who invoked which models, where, how much?"},
		evidence: []evidenceSpec{
			{label: "model invocation logs (prompts and responses)", table: schemas.TableInvocations, sources: []string{"bedrock.invocation-logs"}},
			{label: "CloudTrail model calls (metadata only)", table: schemas.TableCloudTrailEvents, element: ElementInvocation, sources: ctSources},
		},
	},
	ElementPrivateData: {
		title:     "Private data",
		questions: []string{"What private data could the AI reach?", "Was it touched, or given out?"},
		evidence: []evidenceSpec{
			{label: "guardrail sensitive-information policies", table: schemas.TableResources, kinds: []string{schemas.KindGuardrail}, sources: []string{"bedrock.config"}},
			{label: "invocation-logging data delivery", table: schemas.TableResources, kinds: []string{schemas.KindLoggingConfig}, sources: []string{"bedrock.config"}},
			{label: "model invocation logs (responses)", table: schemas.TableInvocations, sources: []string{"bedrock.invocation-logs"}},
			{label: "CloudTrail KMS and secrets events", table: schemas.TableCloudTrailEvents, element: ElementPrivateData, sources: ctSources},
		},
	},
	ElementAgency: {
		title:     "Agency",
		questions: []string{"What could the AI do on its own?", "Did it?"},
		evidence: []evidenceSpec{
			{label: "agent and action-group roles with their policies", table: schemas.TableResources, kinds: []string{schemas.KindRole}, sources: []string{"iam.roles"}},
			{label: "agents, action groups and functions", table: schemas.TableResources, kinds: []string{schemas.KindAgent, schemas.KindActionGroup, schemas.KindAgentCollaborator, schemas.KindLambdaFunction}, sources: []string{"bedrock.agents"}},
			{label: "CloudTrail events by agents' roles (email, messaging)", table: schemas.TableCloudTrailEvents, element: ElementAgency, sources: ctSources},
		},
	},
}

// count is how many rows of an evidence spec the engine saw.
func (e *Engine) count(s evidenceSpec) int64 {
	switch {
	case s.table == schemas.TableCloudTrailEvents && s.element != "":
		if st := e.elems[s.element]; st != nil {
			return st.events
		}
		return 0
	case s.table == schemas.TableResources && len(s.kinds) > 0:
		var n int64
		for _, k := range s.kinds {
			n += e.kinds[k]
		}
		return n
	}
	return e.rows[s.table]
}

// whyMissing explains an empty evidence spec from the manifest: gaps of
// its sources, logging that was off, or no source that collects it.
func (e *Engine) whyMissing(m *archive.Manifest, s evidenceSpec) []string {
	var why []string
	if s.table == schemas.TableInvocations && len(e.logOff) > 0 {
		var used []string
		for _, k := range sortedKeys(e.logOff) {
			if e.invoked[k] {
				used = append(used, k)
			}
		}
		w := fmt.Sprintf("invocation logging was off (no configuration) in %d account-regions", len(e.logOff))
		if len(used) > 0 {
			w += fmt.Sprintf(", %d of them with model calls in CloudTrail: %s", len(used), list(used, 6))
		} else {
			w += ": " + list(sortedKeys(e.logOff), 6)
		}
		why = append(why, w)
	}
	if m == nil {
		return append(why, "the "+s.table+" table is empty")
	}
	ran := false
	var names []string
	for _, src := range m.Sources {
		names = append(names, src.Name)
		for _, p := range s.sources {
			if strings.HasPrefix(src.Name, p) {
				ran = true
			}
		}
	}
	causes := map[string]int{}
	for _, g := range m.Gaps {
		for _, p := range s.sources {
			if strings.HasPrefix(g.Source, p) {
				causes[g.Source+": "+g.Cause]++
			}
		}
	}
	for _, c := range sortedKeys(causes) {
		why = append(why, fmt.Sprintf("gap %s (%s)", c, plural(int64(causes[c]), "unit", "units")))
	}
	switch {
	case !ran:
		why = append(why, fmt.Sprintf("no source that collects it ran in this collection (sources: %s)", strings.Join(names, ", ")))
	case len(causes) == 0 && len(why) == 0:
		why = append(why, "the source ran and found none")
	}
	return why
}

func (e *Engine) answers(m *archive.Manifest, fs []Finding) []Answer {
	var out []Answer
	for _, el := range Elements() {
		spec := elementSpecs[el]
		a := Answer{Element: el, Title: spec.title, Questions: spec.questions, Sources: []string{}}
		var parts []string
		collected := false
		for _, s := range spec.evidence {
			n := e.count(s)
			if n > 0 {
				collected = true
				a.Sources = append(a.Sources, fmt.Sprintf("%s (%s): %d rows", s.label, s.table, n))
				continue
			}
			why := e.whyMissing(m, s)
			a.Sources = append(a.Sources, fmt.Sprintf("%s (%s): no evidence collected", s.label, s.table))
			a.Reasons = append(a.Reasons, fmt.Sprintf("%s: no evidence collected: %s", s.label, strings.Join(why, "; ")))
		}
		var mine []Finding
		for _, f := range fs {
			if f.Element == el {
				mine = append(mine, f)
				a.Findings = append(a.Findings, f.ID)
			}
		}
		switch {
		case len(mine) > 0:
			a.Status = StatusFindings
			parts = append(parts, findingsSentence(mine))
		case collected:
			a.Status = StatusAnswered
			parts = append(parts, "No rule raised a finding from the evidence collected.")
		default:
			a.Status = StatusNoEvidence
			parts = append(parts, "No evidence collected.")
		}
		if s := e.facts(el); s != "" {
			parts = append(parts, s)
		}
		if s := e.activity(el); s != "" {
			parts = append(parts, s)
		}
		a.Answer = strings.Join(parts, " ")
		out = append(out, a)
	}
	return out
}

// findingsSentence says what an element's findings found, most severe
// first.
func findingsSentence(fs []Finding) string {
	bySev := map[Severity]int{}
	for _, f := range fs {
		bySev[f.Severity]++
	}
	var counts []string
	for s := Critical; s >= Info; s-- {
		if bySev[s] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", bySev[s], s))
		}
	}
	var top []string
	for _, f := range fs[:min(len(fs), 3)] {
		top = append(top, f.Summary)
	}
	return fmt.Sprintf("%s (%s). %s", plural(int64(len(fs)), "finding", "findings"), strings.Join(counts, ", "), strings.Join(top, " "))
}

// activity summarizes an element's CloudTrail events.
func (e *Engine) activity(el string) string {
	var st *elementStats
	if el == ElementAccess {
		// Access is about everyone who called anything.
		st = &elementStats{ids: map[string]*int64{}}
		for _, s := range e.elems {
			st.events += s.events
			st.writes += s.writes
			widen(&st.first, &st.last, s.first, s.last)
			for id, n := range s.ids {
				if m, ok := st.ids[id]; ok {
					*m += *n
				} else {
					st.ids[id] = new(*n)
				}
			}
		}
	} else {
		st = e.elems[el]
	}
	if st == nil || st.events == 0 {
		return ""
	}
	type idn struct {
		id string
		n  int64
	}
	var ids []idn
	for id, n := range st.ids {
		ids = append(ids, idn{id, *n})
	}
	slices.SortFunc(ids, func(a, b idn) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var top []string
	for _, x := range ids[:min(3, len(ids))] {
		top = append(top, fmt.Sprintf("%s (%d)", shortARN(x.id), x.n))
	}
	what := el + " events"
	if el == ElementAccess {
		what = "events in all"
	}
	return fmt.Sprintf("CloudTrail holds %d %s (%s) by %s %s; most from %s.",
		st.events, what, plural(st.writes, "write", "writes"), plural(int64(len(ids)), "identity", "identities"),
		span(st.first, st.last), strings.Join(top, ", "))
}

// facts states what the configuration snapshots say about an element.
func (e *Engine) facts(el string) string {
	var out []string
	logging := func() {
		if n := len(e.logOn) + len(e.logOff); n > 0 {
			out = append(out, fmt.Sprintf("Invocation logging was on in %d of %d account-regions when collected.", len(e.logOn), n))
		}
	}
	switch el {
	case ElementAI:
		if n := len(e.guards); n > 0 {
			out = append(out, fmt.Sprintf("%s snapshotted (%s).", plural(int64(n), "guardrail", "guardrails"), plural(e.kinds[schemas.KindGuardrail], "version", "versions")))
		}
		logging()
	case ElementPrivateData:
		if n := len(e.guards); n > 0 {
			with := 0
			for _, g := range e.guards {
				if g.sensitive > 0 {
					with++
				}
			}
			out = append(out, fmt.Sprintf("%d of %s filter sensitive information in their newest version.", with, plural(int64(n), "guardrail", "guardrails")))
		}
		logging()
	case ElementDataStore:
		if n := len(e.ctx.kbBuckets); n > 0 {
			out = append(out, fmt.Sprintf("%s of AI data (%s), %d object versions preserved.",
				plural(int64(n), "bucket", "buckets"), list(sortedKeys(e.ctx.kbBuckets), 3), e.rows[schemas.TableObjects]))
		}
	case ElementAgency:
		if n := len(e.ctx.agentRoles); n > 0 {
			out = append(out, fmt.Sprintf("%s act for agents, knowledge bases or their functions (of %d roles snapshotted).",
				plural(int64(n), "role", "roles"), e.kinds[schemas.KindRole]))
		}
	}
	return strings.Join(out, " ")
}
