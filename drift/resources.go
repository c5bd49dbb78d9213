package drift

import (
	"fmt"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// kindBucket is the bucket snapshot the S3 objects source records with
// each location it reads.
const kindBucket = "aws.s3.bucket"

// kindRule says how a kind of resource drifts: the element it bears on,
// the change types and severities of an added, a deleted and a changed
// resource, and an optional semantic comparison.
type kindRule struct {
	noun       string
	element    string
	added      string
	addedSev   Severity
	deleted    string
	deletedSev Severity
	changed    string
	changedSev Severity
	ignore     []string                                                       // normalized fields that change without meaning anything
	compare    func(d *differ, rule kindRule, b, a *resource, ds []fieldDiff) // nil = generic
	skip       bool                                                           // compared through another kind
}

var kindRules = map[string]kindRule{
	schemas.KindLoggingConfig: {noun: "invocation logging configuration", element: schemas.ElementInvocation,
		added: ResourceAdded, addedSev: Low, deleted: ResourceDeleted, deletedSev: Medium, changed: LoggingChanged, changedSev: Medium,
		compare: (*differ).logging},
	schemas.KindCustomModel: {noun: "custom model", element: schemas.ElementAI,
		added: ModelAdded, addedSev: High, deleted: ModelDeleted, deletedSev: Medium, changed: ModelChanged, changedSev: Medium,
		ignore: []string{"training_metrics", "validation_metrics"}, compare: (*differ).model},
	schemas.KindImportedModel: {noun: "imported model", element: schemas.ElementAI,
		added: ModelAdded, addedSev: High, deleted: ModelDeleted, deletedSev: Medium, changed: ModelChanged, changedSev: Medium,
		compare: (*differ).model},
	schemas.KindFoundationModel: {noun: "foundation model", element: schemas.ElementAI,
		added: ResourceAdded, addedSev: Info, deleted: ResourceDeleted, deletedSev: Info, changed: ModelAccessChanged, changedSev: Low},
	schemas.KindModelAvailability: {noun: "access to foundation model", element: schemas.ElementAI,
		added: ModelAccessChanged, addedSev: Low, deleted: ModelAccessChanged, deletedSev: Low, changed: ModelAccessChanged, changedSev: Medium},
	schemas.KindCustomizationJob: {noun: "model customization job", element: schemas.ElementAI,
		added: ResourceAdded, addedSev: Medium, deleted: ResourceDeleted, deletedSev: Low, changed: ResourceChanged, changedSev: Low},
	schemas.KindProvisionedThroughput: {noun: "provisioned throughput", element: schemas.ElementAI,
		added: ProvisionedThroughputChange, addedSev: Medium, deleted: ProvisionedThroughputChange, deletedSev: Low, changed: ProvisionedThroughputChange, changedSev: Low},
	schemas.KindAgent: {noun: "agent", element: schemas.ElementAgency,
		added: AgentAdded, addedSev: High, deleted: AgentDeleted, deletedSev: Medium, changed: AgentChanged, changedSev: Medium,
		compare: (*differ).agent},
	schemas.KindAgentVersion: {noun: "agent version", element: schemas.ElementAgency,
		added: ResourceAdded, addedSev: Low, deleted: ResourceDeleted, deletedSev: Low, changed: AgentChanged, changedSev: Medium,
		compare: (*differ).agent},
	schemas.KindAgentAlias: {noun: "agent alias", element: schemas.ElementAgency,
		added: ResourceAdded, addedSev: Medium, deleted: ResourceDeleted, deletedSev: Low, changed: AgentChanged, changedSev: Low,
		ignore: []string{"history"}, compare: (*differ).alias},
	schemas.KindActionGroup: {noun: "action group", element: schemas.ElementAgency,
		added: ActionGroupAdded, addedSev: High, deleted: ActionGroupDeleted, deletedSev: Low, changed: ActionGroupChanged, changedSev: High},
	schemas.KindAgentKnowledgeBase: {noun: "knowledge base of agent", element: schemas.ElementAgency,
		added: KnowledgeBaseAssociated, addedSev: High, deleted: KnowledgeBaseDisassociated, deletedSev: Medium, changed: AgentChanged, changedSev: Medium},
	schemas.KindAgentCollaborator: {noun: "agent collaborator", element: schemas.ElementAgency,
		added: CollaboratorAdded, addedSev: High, deleted: CollaboratorDeleted, deletedSev: Low, changed: AgentChanged, changedSev: Medium},
	schemas.KindRole: {noun: "role", element: schemas.ElementAccess,
		added: RoleAdded, addedSev: Medium, deleted: RoleDeleted, deletedSev: Low, changed: RoleChanged, changedSev: Medium,
		compare: (*differ).role},
	schemas.KindLambdaFunction: {noun: "Lambda function", element: schemas.ElementInfrastructure,
		added: ResourceAdded, addedSev: Medium, deleted: ResourceDeleted, deletedSev: Low, changed: LambdaChanged, changedSev: Medium,
		ignore: []string{"revision_id", "led_by"}, compare: (*differ).lambda},
	// A function's resource policy is a field of the function's row too.
	schemas.KindLambdaPolicy: {skip: true},
	// The deployment package's hash is a field of the function's row.
	schemas.KindLambdaCode: {skip: true},
	schemas.KindKnowledgeBase: {noun: "knowledge base", element: schemas.ElementDataStore,
		added: ResourceAdded, addedSev: Medium, deleted: ResourceDeleted, deletedSev: High, changed: KnowledgeBaseChanged, changedSev: High,
		ignore: []string{"failure_reasons"}},
	schemas.KindDataSource: {noun: "data source", element: schemas.ElementDataStore,
		added: ResourceAdded, addedSev: High, deleted: ResourceDeleted, deletedSev: Medium, changed: DataSourceChanged, changedSev: High},
	schemas.KindIngestionJob: {noun: "ingestion job", element: schemas.ElementDataStore,
		added: IngestionJobAdded, addedSev: Low, deleted: ResourceDeleted, deletedSev: Info, changed: ResourceChanged, changedSev: Info},
	kindBucket: {noun: "bucket", element: schemas.ElementDataStore,
		added: ResourceAdded, addedSev: Low, deleted: ResourceDeleted, deletedSev: Medium, changed: BucketChanged, changedSev: Medium,
		compare: (*differ).bucket},
}

// ruleFor returns the rule of a kind, or a generic one from the kind's
// name for kinds this build does not know.
func ruleFor(kind string) kindRule {
	if r, ok := kindRules[kind]; ok {
		return r
	}
	el := schemas.ElementAI
	switch {
	case strings.HasPrefix(kind, "aws.iam."), strings.HasPrefix(kind, "aws.sts."):
		el = schemas.ElementAccess
	case strings.HasPrefix(kind, "aws.lambda."), strings.HasPrefix(kind, "aws.ec2."), strings.HasPrefix(kind, "aws.ecs."), strings.HasPrefix(kind, "aws.rds."), strings.HasPrefix(kind, "aws.cloudformation."):
		el = schemas.ElementInfrastructure
	case strings.HasPrefix(kind, "aws.bedrock.agent"):
		el = schemas.ElementAgency
	case strings.HasPrefix(kind, "aws.s3."), strings.Contains(kind, "knowledge-base"), strings.Contains(kind, "data-source"):
		el = schemas.ElementDataStore
	case strings.HasPrefix(kind, "aws.kms."), strings.HasPrefix(kind, "aws.macie"):
		el = schemas.ElementPrivateData
	case strings.HasPrefix(kind, "aws.logs."):
		el = schemas.ElementInvocation
	}
	return kindRule{noun: kind, element: el, added: ResourceAdded, addedSev: Low, deleted: ResourceDeleted, deletedSev: Low, changed: ResourceChanged, changedSev: Medium}
}

// resources compares the resources tables.
func (d *differ) resources(base, now map[string]*resource) {
	guards := map[string]*guardrailPair{}
	pair := func(r *resource) *guardrailPair {
		k := r.Account + "\x00" + r.Region + "\x00" + r.ARN
		g := guards[k]
		if g == nil {
			g = &guardrailPair{base: map[string]*resource{}, now: map[string]*resource{}}
			guards[k] = g
		}
		return g
	}
	for k, b := range base {
		d.count(b.Kind, 0)
		if b.Kind == schemas.KindGuardrail {
			pair(b).base[b.Version] = b
			continue
		}
		rule := ruleFor(b.Kind)
		if rule.skip {
			continue
		}
		a, ok := now[k]
		if !ok {
			if d.a.covers(b.Source, b.Account, b.Region, b.Unit) && (b.Kind != kindBucket || d.a.units[unitKey(b.Source, b.Account, b.Region, b.Unit)]) {
				// A bucket is recorded once, with one of the locations
				// read in it: when that location was not read again, the
				// bucket's absence says nothing of it.
				d.add(d.resourceChange(rule, rule.deleted, rule.deletedSev, b, nil, "deleted"))
			} else if why := d.a.why("bundle", b.Source, b.Account, b.Region, b.Unit); why != "" {
				d.notCompared("%s", why)
			}
			continue
		}
		ds := without(diffFields("", b.fields(), a.fields()), rule.ignore...)
		if len(ds) == 0 {
			continue
		}
		if rule.compare != nil {
			rule.compare(d, rule, b, a, ds)
			continue
		}
		c := d.resourceChange(rule, rule.changed, rule.changedSev, b, a, "changed")
		c.Details = describe(ds)
		d.add(c)
	}
	for k, a := range now {
		d.count(a.Kind, 1)
		if a.Kind == schemas.KindGuardrail {
			pair(a).now[a.Version] = a
			continue
		}
		rule := ruleFor(a.Kind)
		if rule.skip {
			continue
		}
		if _, ok := base[k]; ok {
			continue
		}
		if d.b.covers(a.Source, a.Account, a.Region, a.Unit) && (a.Kind != kindBucket || d.b.units[unitKey(a.Source, a.Account, a.Region, a.Unit)]) {
			d.add(d.resourceChange(rule, rule.added, rule.addedSev, nil, a, "added"))
		} else if why := d.b.why("baseline", a.Source, a.Account, a.Region, a.Unit); why != "" {
			d.notCompared("%s", why)
		}
	}
	for _, g := range guards {
		d.guardrail(g)
	}
}

// resourceChange is a change of one resource; b or a is nil when the
// resource is only on the other side.
func (d *differ) resourceChange(rule kindRule, typ string, sev Severity, b, a *resource, verb string) Change {
	r := a
	if r == nil {
		r = b
	}
	c := Change{
		Type: typ, Element: rule.element, Severity: sev, Kind: r.Kind,
		Account: r.Account, Region: r.Region, Subject: subjectOf(r), Version: r.Version,
		Summary: fmt.Sprintf("%s %s %s", rule.noun, displayName(r), verb),
	}
	if b != nil {
		c.Before = resourceState(b)
	}
	if a != nil {
		c.After = resourceState(a)
	}
	return c
}

func subjectOf(r *resource) string {
	if r.ARN != "" {
		return r.ARN
	}
	return r.ID
}

func displayName(r *resource) string {
	n := r.Name
	if n == "" {
		n = r.ID
	}
	if r.ID != "" && r.ID != n {
		n += " (" + r.ID + ")"
	}
	if r.Version != "" && r.Kind != schemas.KindLambdaFunction {
		n += " version " + r.Version
	}
	if r.Account != "" {
		n += " in " + r.Account + "/" + r.Region
	}
	return n
}

func resourceState(r *resource) *State {
	return &State{Version: r.Version, Status: r.Status, SHA256: r.BlobSHA256, Value: r.Normalized}
}
