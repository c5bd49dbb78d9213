package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/schemas"
)

const bedrockSrc = "bedrock.amazonaws.com"

func aiRules() []Rule {
	return []Rule{
		{
			ID: "ai.guardrail-deleted", Title: "Guardrail deleted", Element: ElementAI, Severity: High,
			Rationale:  "Deleting a guardrail removes every content, topic and sensitive-information control from the applications that used it.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name = 'DeleteGuardrail'"),
			New:        eventRule(successful(named(High, bedrockSrc, "DeleteGuardrail")), calls("deleted guardrails")),
		},
		{
			ID: "ai.guardrail-changed", Title: "Guardrail updated or new version published", Element: ElementAI, Severity: Medium,
			Rationale: "An updated guardrail, or a new version that applications pin, changes what the model may say. " +
				"The guardrail-weakened rule compares the versions themselves.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-versions.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN ('UpdateGuardrail', 'CreateGuardrailVersion')"),
			New:        eventRule(successful(named(Medium, bedrockSrc, "UpdateGuardrail", "CreateGuardrailVersion")), calls("updated guardrails or published guardrail versions")),
		},
		{
			ID: "ai.guardrail-weakened", Title: "Guardrail version weaker than the one before", Element: ElementAI, Severity: High,
			Rationale: "A version whose content filters are lower, whose grounding thresholds dropped, or which lost denied topics, words or " +
				"sensitive-information entities lets through what the previous version blocked.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-components.html"},
			Tables:     []string{schemas.TableResources, schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code", "request_parameters"},
			Query: tableSQL(schemas.TableResources, "account, region, id, version, created_at, normalized",
				"kind = 'aws.bedrock.guardrail' ORDER BY id, version") + " -- consecutive versions compared filter by filter",
			New: func() Detector { return &weakened{guards: map[string]*guardHistory{}} },
		},
		{
			ID: "ai.invocation-logging-changed", Title: "Model invocation logging changed or deleted", Element: ElementAI, Severity: High,
			Rationale: "With invocation logging deleted, prompts and responses are no longer recorded: an intruder's use of the models leaves " +
				"only CloudTrail's metadata behind.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN ('PutModelInvocationLoggingConfiguration', 'DeleteModelInvocationLoggingConfiguration')"),
			New: eventRule(successful(func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
				if s, ok := named(High, bedrockSrc, "DeleteModelInvocationLoggingConfiguration")(c, ev); ok {
					return s, ok
				}
				return named(Medium, bedrockSrc, "PutModelInvocationLoggingConfiguration")(c, ev)
			}), calls("changed or deleted the model invocation logging configuration")),
		},
		{
			ID: "ai.model-access-requested", Title: "Foundation-model access requested", Element: ElementAI, Severity: High,
			Rationale: "LLMjackers enable expensive models on a victim account (use-case form, model agreements) before using them. " +
				"From a long-term access key it is high severity; from a role, medium.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html",
				"https://permiso.io/blog/exploiting-hosted-models"},
			Tables:  []string{schemas.TableCloudTrailEvents},
			Columns: []string{"event_source", "event_name", "error_code", "access_key_id"},
			Query:   ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN ('PutUseCaseForModelAccess', 'CreateFoundationModelAgreement')"),
			New: eventRule(successful(func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
				_, ok := named(Medium, bedrockSrc, "PutUseCaseForModelAccess", "CreateFoundationModelAgreement")(c, ev)
				if !ok {
					return 0, false
				}
				if longTerm(ev) {
					return High, true
				}
				return Medium, true
			}), calls("requested foundation-model access")),
		},
		{
			ID: "ai.custom-model-created", Title: "Custom or imported model, or provisioned throughput, created", Element: ElementAI, Severity: Medium,
			Rationale:  "A fine-tuned or imported model can carry a backdoor; provisioned throughput commits spend by the month.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/custom-models.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query: ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN (" + namesSQL("CreateCustomModel", "CreateModelCustomizationJob",
				"CreateModelImportJob", "CreateModelCopyJob", "CreateProvisionedModelThroughput", "UpdateProvisionedModelThroughput") + ")"),
			New: eventRule(successful(named(Medium, bedrockSrc, "CreateCustomModel", "CreateModelCustomizationJob", "CreateModelImportJob",
				"CreateModelCopyJob", "CreateProvisionedModelThroughput", "UpdateProvisionedModelThroughput")), calls("created custom or imported models or provisioned throughput")),
		},
		{
			ID: "ai.audit-log-tampering", Title: "CloudTrail logging stopped or narrowed", Element: ElementAI, Severity: High,
			Rationale:  "Stopping a trail, deleting it or changing its event selectors blinds the record every other element relies on.",
			References: []string{"https://attack.mitre.org/techniques/T1562/008/"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query: ctSQL("event_source = 'cloudtrail.amazonaws.com' AND event_name IN (" + namesSQL("StopLogging", "DeleteTrail", "PutEventSelectors",
				"UpdateTrail", "PutInsightSelectors", "DeleteEventDataStore", "StopEventDataStoreIngestion") + ")"),
			New: eventRule(successful(named(High, "cloudtrail.amazonaws.com", "StopLogging", "DeleteTrail", "PutEventSelectors", "UpdateTrail",
				"PutInsightSelectors", "DeleteEventDataStore", "StopEventDataStoreIngestion")), calls("stopped, deleted or narrowed CloudTrail logging")),
		},
	}
}

// successful drops failed calls from a match: a refused change changed
// nothing (the denied-burst rule sees the refusals).
func successful(f func(*Context, *schemas.CloudTrailEvent) (Severity, bool)) func(*Context, *schemas.CloudTrailEvent) (Severity, bool) {
	return func(c *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
		if failed(ev) {
			return 0, false
		}
		return f(c, ev)
	}
}

// guardPolicy is the part of a guardrail version that says how strict it
// is, read from the normalized snapshot (SDK field names, matched without
// regard to case).
type guardPolicy struct {
	ContentPolicy *struct {
		Filters []struct {
			Type           string
			InputStrength  string
			OutputStrength string
		}
	} `json:"content_policy"`
	TopicPolicy *struct {
		Topics []struct{ Name string }
	} `json:"topic_policy"`
	WordPolicy *struct {
		Words            []struct{ Text string }
		ManagedWordLists []struct{ Type string }
	} `json:"word_policy"`
	SensitiveInformationPolicy *struct {
		PiiEntities []struct{ Type, Action string }
		Regexes     []struct{ Name string }
	} `json:"sensitive_information_policy"`
	ContextualGroundingPolicy *struct {
		Filters []struct {
			Type      string
			Threshold float64
		}
	} `json:"contextual_grounding_policy"`
}

var strengthRank = map[string]int{"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}

// controls flattens a policy into named controls with a strength each.
func (p *guardPolicy) controls() map[string]float64 {
	c := map[string]float64{}
	if p.ContentPolicy != nil {
		for _, f := range p.ContentPolicy.Filters {
			c["content filter "+f.Type+" (input)"] = float64(strengthRank[strings.ToUpper(f.InputStrength)])
			c["content filter "+f.Type+" (output)"] = float64(strengthRank[strings.ToUpper(f.OutputStrength)])
		}
	}
	if p.ContextualGroundingPolicy != nil {
		for _, f := range p.ContextualGroundingPolicy.Filters {
			c["grounding threshold "+f.Type] = f.Threshold
		}
	}
	if p.TopicPolicy != nil {
		for _, t := range p.TopicPolicy.Topics {
			c["denied topic "+t.Name] = 1
		}
	}
	if p.WordPolicy != nil {
		for _, w := range p.WordPolicy.Words {
			c["blocked word "+w.Text] = 1
		}
		for _, w := range p.WordPolicy.ManagedWordLists {
			c["managed word list "+w.Type] = 1
		}
	}
	if p.SensitiveInformationPolicy != nil {
		for _, e := range p.SensitiveInformationPolicy.PiiEntities {
			c["sensitive-information entity "+e.Type] = 1
		}
		for _, r := range p.SensitiveInformationPolicy.Regexes {
			c["sensitive-information regex "+r.Name] = 1
		}
	}
	return c
}

// sensitiveFilters counts the policy's PII entities and regexes.
func (p *guardPolicy) sensitiveFilters() int {
	if p.SensitiveInformationPolicy == nil {
		return 0
	}
	return len(p.SensitiveInformationPolicy.PiiEntities) + len(p.SensitiveInformationPolicy.Regexes)
}

func parseGuard(r *schemas.Resource) (*guardPolicy, bool) {
	var p guardPolicy
	if json.Unmarshal([]byte(r.Normalized), &p) != nil {
		return nil, false
	}
	return &p, true
}

type guardVersion struct {
	version  string
	controls map[string]float64
	rec      *Record
}

// change is a CloudTrail event that changed a guardrail, and who made it.
type change struct {
	ref ref
	by  string
}

type guardHistory struct {
	name     string
	versions []guardVersion
	changes  []change // UpdateGuardrail / CreateGuardrailVersion events
}

type weakened struct{ guards map[string]*guardHistory }

// guardKey identifies a guardrail across tables: account and id.
func guardKey(account, id string) string { return account + "/" + id }

func (d *weakened) history(k string) *guardHistory {
	h := d.guards[k]
	if h == nil {
		if len(d.guards) >= maxTracked {
			return &guardHistory{} // counted nowhere: past the cap
		}
		k = own(k)
		h = &guardHistory{}
		d.guards[k] = h
	}
	return h
}

func (d *weakened) Observe(_ *Context, r *Record) {
	switch {
	case r.Resource != nil && r.Resource.Kind == schemas.KindGuardrail:
		p, ok := parseGuard(r.Resource)
		if !ok {
			return
		}
		h := d.history(guardKey(r.Partition.Account, r.Resource.ID))
		h.name = r.Resource.Name
		h.versions = append(h.versions, guardVersion{version: r.Resource.Version, controls: p.controls(), rec: r})
	case r.Event != nil && r.Event.EventSource == bedrockSrc && !failed(r.Event) &&
		(r.Event.EventName == "UpdateGuardrail" || r.Event.EventName == "CreateGuardrailVersion"):
		id := jsonField(r.Event.RequestParameters, "guardrailIdentifier")
		if i := strings.LastIndex(id, "/"); i >= 0 {
			id = id[i+1:]
		}
		if id == "" {
			return
		}
		h := d.history(guardKey(r.Partition.Account, id))
		if len(h.changes) < MaxEvidence {
			h.changes = append(h.changes, change{ref: r.ref(), by: identity(r.Event)})
		}
	}
}

// versionOrder sorts numbered versions ascending and DRAFT, the working
// copy, last.
func versionOrder(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na < nb
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}

func (d *weakened) Findings(*Context) []Finding {
	var out []Finding
	keys := sortedKeys(d.guards)
	for _, k := range keys {
		h := d.guards[k]
		vs := h.versions
		sort.SliceStable(vs, func(i, j int) bool { return versionOrder(vs[i].version, vs[j].version) })
		var g group
		var what []string
		for i := 1; i < len(vs); i++ {
			prev, cur := vs[i-1], vs[i]
			var lost []string
			for name, v := range prev.controls {
				if nv, ok := cur.controls[name]; !ok {
					lost = append(lost, name+" removed")
				} else if nv < v {
					lost = append(lost, name+" lowered")
				}
			}
			if len(lost) == 0 {
				continue
			}
			slices.Sort(lost)
			what = append(what, fmt.Sprintf("version %s against %s: %s", cur.version, prev.version, list(lost, 4)))
			// The finding's time is the weaker version's; the stronger
			// one is evidence without a time of its own here.
			g.add(prev.rec, time.Time{}, "")
			g.add(cur.rec, cur.rec.Resource.UpdatedAt, "")
		}
		if g.count == 0 {
			continue
		}
		by := ""
		for _, c := range h.changes {
			g.addRef(c.ref, c.ref.ptr.Time, c.by)
			by = shortARN(c.by)
		}
		if by != "" {
			by = fmt.Sprintf("; the change was made by %s (%d CloudTrail events)", by, len(h.changes))
		}
		acct, id, _ := strings.Cut(k, "/")
		out = append(out, g.finding(High, fmt.Sprintf("Guardrail %s (%s) in account %s was weakened: %s%s.",
			h.name, id, acct, strings.Join(what, "; "), by)))
	}
	return out
}
