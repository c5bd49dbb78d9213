// Package drift compares a baseline bundle, the estate as it was known to
// be good, with another bundle of the same estate, and explains what
// changed: each change is typed (a guardrail weakened, logging switched
// off, a knowledge-base document overwritten, a role broadened…), carries
// the methodology element it bears on and a severity, and points at the
// rows it was read from.
//
// Diff compares by identity, never by text: resources by kind, account,
// region, ARN, id and version, their normalized fields compared as JSON
// values; objects by bucket and key, with the set of their versions and
// the sha256 of each. It reads the objects table streaming and keeps one
// small record per object, never a body.
package drift

import (
	"cmp"
	"slices"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// Severity ranks a change. The values are OCSF severity_id, as the triage
// report's.
type Severity int

const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"unknown", "info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return "unknown"
	}
	return severityNames[s]
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	i := slices.Index(severityNames, string(b))
	if i < 1 {
		return &UnknownSeverityError{Name: string(b)}
	}
	*s = Severity(i)
	return nil
}

// UnknownSeverityError is a severity name this build does not know.
type UnknownSeverityError struct{ Name string }

func (e *UnknownSeverityError) Error() string { return "drift: unknown severity " + e.Name }

// Change types. They are part of the report format: never rename one.
const (
	ObjectAdded           = "object-added"
	ObjectModified        = "object-modified"
	ObjectDeleted         = "object-deleted"
	ObjectVersionsAdded   = "object-versions-added"   // versions written, the latest unchanged
	ObjectVersionsRemoved = "object-versions-removed" // versions permanently deleted
	ModelArtifactAdded    = "model-artifact-added"
	ModelArtifactChanged  = "model-artifact-changed"
	ModelArtifactDeleted  = "model-artifact-deleted"

	GuardrailAdded        = "guardrail-added"
	GuardrailDeleted      = "guardrail-deleted"
	GuardrailWeakened     = "guardrail-weakened"
	GuardrailStrengthened = "guardrail-strengthened"
	GuardrailChanged      = "guardrail-changed"
	GuardrailVersionAdded = "guardrail-version-added"

	LoggingDisabled           = "logging-disabled"
	LoggingEnabled            = "logging-enabled"
	LoggingNarrowed           = "logging-narrowed"
	LoggingDestinationChanged = "logging-destination-changed"
	LoggingChanged            = "logging-changed"

	ModelAdded   = "model-added"
	ModelDeleted = "model-deleted"
	ModelChanged = "model-changed"

	ModelAccessChanged = "model-access-changed"

	AgentAdded                  = "agent-added"
	AgentDeleted                = "agent-deleted"
	AgentInstructionChanged     = "agent-instruction-changed"
	AgentChanged                = "agent-changed"
	ActionGroupAdded            = "action-group-added"
	ActionGroupDeleted          = "action-group-deleted"
	ActionGroupChanged          = "action-group-changed"
	KnowledgeBaseAssociated     = "knowledge-base-associated"
	KnowledgeBaseDisassociated  = "knowledge-base-disassociated"
	AliasRoutingChanged         = "alias-routing-changed"
	CollaboratorAdded           = "collaborator-added"
	CollaboratorDeleted         = "collaborator-deleted"
	RoleAdded                   = "role-added"
	RoleDeleted                 = "role-deleted"
	RoleBroadened               = "role-broadened"
	RoleNarrowed                = "role-narrowed"
	RoleChanged                 = "role-changed"
	LambdaCodeChanged           = "lambda-code-changed"
	LambdaChanged               = "lambda-changed"
	LambdaPolicyChanged         = "lambda-policy-changed"
	KnowledgeBaseChanged        = "knowledge-base-changed"
	DataSourceChanged           = "data-source-changed"
	IngestionJobAdded           = "ingestion-job-added"
	BucketChanged               = "bucket-changed"
	ResourceAdded               = "resource-added"
	ResourceDeleted             = "resource-deleted"
	ResourceChanged             = "resource-changed"
	ProvisionedThroughputChange = "provisioned-throughput-changed"
)

// Change is one difference between the baseline and the bundle.
type Change struct {
	Type     string   `json:"type"`
	Element  string   `json:"element"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"` // one sentence a responder reads
	Kind     string   `json:"kind"`    // the evidence kind compared
	Account  string   `json:"account,omitempty"`
	Region   string   `json:"region,omitempty"`
	// Subject is what changed: an ARN, or s3://bucket/key for an object.
	Subject string `json:"subject"`
	Version string `json:"version,omitempty"`
	// Details are the semantic differences, one line each, e.g.
	// "content filter VIOLENCE input strength HIGH → LOW".
	Details []string `json:"details,omitempty"`
	// Before and After are what each bundle holds, when the change has a
	// state on that side: digests and versions of objects, fields of
	// configurations.
	Before *State `json:"before,omitempty"`
	After  *State `json:"after,omitempty"`
	// WrittenBy is who made the change according to the bundle's
	// CloudTrail events, when it holds one that matches.
	WrittenBy *Actor `json:"written_by,omitempty"`
}

// State is one side of a change.
type State struct {
	Version      string    `json:"version,omitempty"`
	Versions     []string  `json:"versions,omitempty"` // object versions, newest first
	SHA256       string    `json:"sha256,omitempty"`
	Size         *int64    `json:"size,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified time.Time `json:"last_modified,omitzero"`
	DeleteMarker bool      `json:"delete_marker,omitempty"`
	Status       string    `json:"status,omitempty"`
	LedBy        string    `json:"led_by,omitempty"`
	Value        string    `json:"value,omitempty"` // a compared field's value, JSON
}

// Actor is the CloudTrail event a change is attributed to.
type Actor struct {
	EventID   string    `json:"event_id"`
	EventName string    `json:"event_name"`
	EventTime time.Time `json:"event_time"`
	Principal string    `json:"principal"`
	AccessKey string    `json:"access_key_id,omitempty"`
	SourceIP  string    `json:"source_ip,omitempty"`
}

// Side names one of the two bundles compared.
type Side struct {
	Path           string    `json:"path"`
	Case           string    `json:"case"`
	Kind           string    `json:"kind"` // the run kind: baseline or evidence
	Started        time.Time `json:"started"`
	ManifestSHA256 string    `json:"manifest_sha256"`
	Sources        []string  `json:"sources"`
}

// Report is the outcome of Diff.
type Report struct {
	MediaType string   `json:"media_type"`
	Baseline  Side     `json:"baseline"`
	Bundle    Side     `json:"bundle"`
	Changes   []Change `json:"changes"`
	// Compared counts what was compared on each side, by kind.
	Compared map[string][2]int64 `json:"compared"`
	// NotCompared lists what could not be compared and why: a source
	// one bundle did not run, or a unit a bundle holds only as a gap.
	NotCompared []string `json:"not_compared"`
	Summary     Summary  `json:"summary"`
}

// Summary counts the changes.
type Summary struct {
	Changes    int            `json:"changes"`
	ByElement  map[string]int `json:"by_element"`
	BySeverity map[string]int `json:"by_severity"`
	ByType     map[string]int `json:"by_type"`
	Highest    string         `json:"highest,omitempty"`
}

// Drifted says whether the bundle differs from the baseline.
func (r *Report) Drifted() bool { return len(r.Changes) > 0 }

func (r *Report) finish() {
	slices.SortStableFunc(r.Changes, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Element, b.Element),
			cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Version, b.Version),
		)
	})
	s := Summary{Changes: len(r.Changes), ByElement: map[string]int{}, BySeverity: map[string]int{}, ByType: map[string]int{}}
	top := Severity(0)
	for _, c := range r.Changes {
		s.ByElement[c.Element]++
		s.BySeverity[c.Severity.String()]++
		s.ByType[c.Type]++
		top = max(top, c.Severity)
	}
	if top >= Info {
		s.Highest = top.String()
	}
	r.Summary = s
	slices.Sort(r.NotCompared)
	r.NotCompared = slices.Compact(r.NotCompared)
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	if r.NotCompared == nil {
		r.NotCompared = []string{}
	}
}

// MediaType is the media type of the JSON report.
const MediaType = schemas.MediaTypeDrift
