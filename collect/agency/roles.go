// Package agency snapshots what an AI workload may do on its own: the IAM
// roles it runs as, with their trust policies and every inline and attached
// permission policy.
package agency

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "iam.roles"

// API is the part of the IAM client this source uses. Build it with
// collect.CaptureRawBody so GetRole responses are kept byte-exact.
type API interface {
	iam.ListRolesAPIClient
	iam.GetRoleAPIClient
	iam.ListRolePoliciesAPIClient
	iam.ListAttachedRolePoliciesAPIClient
	iam.GetPolicyAPIClient
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, opts ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, opts ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

// Roles snapshots IAM roles, one unit per role. IAM is global, so the roles
// of an account are read from one region only.
type Roles struct {
	Client func(collect.Target) (API, error)
	// Roles are names or ARNs. An ARN is read only in its own account. When
	// empty, every role of the account is listed (ListRoles) and read.
	Roles []string
	// Region is the region IAM is called in. IAM is global: each account's
	// roles are read once, whichever of its targets lists units first, and
	// the units are the account's in this region, so their keys do not
	// depend on which one did. "" = IAM's region in the target's partition
	// (us-east-1, us-gov-west-1, cn-north-1). A Roles value serves one run.
	Region string
	Now    func() time.Time
	// Estate, when Roles is empty, finds the roles to read: the execution
	// roles each target's Bedrock estate runs as, rather than every role.
	Estate *discover.Estate

	mu      sync.Mutex
	claimed map[string]bool // accounts whose roles a target has listed; account/role/name of discovered roles
}

// iamRegion is where IAM's endpoint lives in a region's partition.
func iamRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "cn-north-1"
	case strings.HasPrefix(region, "us-gov-"):
		return "us-gov-west-1"
	}
	return "us-east-1"
}

var _ collect.Source = (*Roles)(nil)

func (*Roles) Name() string { return Source }

const unitPrefix = "role/"

func (r *Roles) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	if len(r.Roles) == 0 && r.Estate != nil {
		return r.discoveredUnits(ctx, t)
	}
	if !r.claim(t.Account) {
		return nil, nil
	}
	if r.Region != "" {
		t.Region = r.Region
	} else {
		t.Region = iamRegion(t.Region)
	}
	var names []string
	if len(r.Roles) == 0 {
		api, err := r.Client(t)
		if err != nil {
			return nil, err
		}
		p := iam.NewListRolesPaginator(api, &iam.ListRolesInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("agency: list roles %s: %w", t.Account, err)
			}
			for _, role := range page.Roles {
				names = append(names, aws.ToString(role.RoleName))
			}
		}
	}
	for _, s := range r.Roles {
		name, account := roleName(s)
		if account != "" && account != t.Account {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var units []collect.Unit
	for i, n := range names {
		if n == "" || (i > 0 && n == names[i-1]) {
			continue
		}
		units = append(units, collect.Unit{Source: Source, ID: unitPrefix + n, Target: t})
	}
	return units, nil
}

// claim reports whether t's account has no target listing its roles yet,
// and makes t that target.
func (r *Roles) claim(account string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.claimed[account] {
		return false
	}
	if r.claimed == nil {
		r.claimed = map[string]bool{}
	}
	r.claimed[account] = true
	return true
}

// roleName returns the name of a role given by name or ARN, and the account
// of an ARN.
func roleName(s string) (name, account string) {
	if !strings.HasPrefix(s, "arn:") {
		return s, ""
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return s, ""
	}
	res := parts[5] // role/path/name
	return res[strings.LastIndexByte(res, '/')+1:], parts[4]
}

func (r *Roles) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// snapshot is the normalized form of a role.
type snapshot struct {
	TrustPolicy      json.RawMessage            `json:"trust_policy"`
	Inline           map[string]json.RawMessage `json:"inline_policies"`
	Attached         map[string]json.RawMessage `json:"attached_policies"`
	AttachedVersions map[string]string          `json:"attached_policy_versions"`
	Boundary         string                     `json:"permissions_boundary,omitempty"`
}

func (r *Roles) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	if u.ID == discover.UnitID && r.Estate != nil {
		return r.Estate.Refusal(ctx, u.Target)
	}
	name, ok := strings.CutPrefix(u.ID, unitPrefix)
	if !ok {
		return fmt.Errorf("agency: unknown unit %q", u.ID)
	}
	api, err := r.Client(u.Target)
	if err != nil {
		return err
	}
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("agency: get role %s/%s: %w", u.Target.Account, name, err)
	}
	role := out.Role
	if role == nil {
		return fmt.Errorf("agency: get role %s/%s: response has no role", u.Target.Account, name)
	}
	snap := snapshot{
		TrustPolicy:      policyDoc(aws.ToString(role.AssumeRolePolicyDocument)),
		Inline:           map[string]json.RawMessage{},
		Attached:         map[string]json.RawMessage{},
		AttachedVersions: map[string]string{},
	}
	if role.PermissionsBoundary != nil {
		snap.Boundary = aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn)
	}
	if err := r.inline(ctx, api, name, snap.Inline); err != nil {
		return err
	}
	if err := r.attached(ctx, api, name, snap); err != nil {
		return err
	}
	norm, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("agency: normalize role %s: %w", name, err)
	}
	at := r.now()
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	raw, whole := collect.RawBody(out.ResultMetadata)
	row := &schemas.Resource{
		Kind: schemas.KindRole, ARN: aws.ToString(role.Arn), ID: aws.ToString(role.RoleId),
		Name: aws.ToString(role.RoleName), CreatedAt: aws.ToTime(role.CreateDate).UTC(),
		Normalized: string(norm), Raw: string(raw),
		Operation: "GetRole", RequestID: reqID, AcquiredAt: at,
	}
	if role.RoleLastUsed != nil {
		row.UpdatedAt = aws.ToTime(role.RoleLastUsed.LastUsedDate).UTC()
	}
	claimed := ""
	if !whole {
		claimed = "raw body exceeded capture limit"
	}
	return sink.Put(ctx, collect.Evidence{
		Kind: schemas.KindRole, Unit: u, ObjectID: row.ARN, ObservedAt: at,
		Provenance: schemas.Provenance{Service: "iam", Operation: "GetRole", RequestID: reqID, Time: at},
		Claimed:    claimed,
		Row:        row,
	})
}

func (r *Roles) inline(ctx context.Context, api API, role string, docs map[string]json.RawMessage) error {
	var names []string
	p := iam.NewListRolePoliciesPaginator(api, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("agency: list inline policies of role %s: %w", role, err)
		}
		names = append(names, page.PolicyNames...)
	}
	for _, n := range names {
		out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
		if err != nil {
			return fmt.Errorf("agency: get inline policy %s of role %s: %w", n, role, err)
		}
		docs[n] = policyDoc(aws.ToString(out.PolicyDocument))
	}
	return nil
}

func (r *Roles) attached(ctx context.Context, api API, role string, snap snapshot) error {
	var arns []string
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("agency: list attached policies of role %s: %w", role, err)
		}
		for _, a := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(a.PolicyArn))
		}
	}
	for _, arn := range arns {
		pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("agency: get policy %s of role %s: %w", arn, role, err)
		}
		if pol.Policy == nil || pol.Policy.DefaultVersionId == nil {
			return fmt.Errorf("agency: get policy %s of role %s: no default version", arn, role)
		}
		v := aws.ToString(pol.Policy.DefaultVersionId)
		out, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)})
		if err != nil {
			return fmt.Errorf("agency: get policy %s version %s of role %s: %w", arn, v, role, err)
		}
		doc := ""
		if out.PolicyVersion != nil {
			doc = aws.ToString(out.PolicyVersion.Document)
		}
		snap.Attached[arn] = policyDoc(doc)
		snap.AttachedVersions[arn] = v
	}
	return nil
}

// policyDoc turns a policy document as IAM returns it (URL-encoded JSON)
// into JSON. A document that does not decode to JSON is kept as a JSON
// string of what IAM sent, so nothing is lost.
func policyDoc(s string) json.RawMessage {
	if d, err := url.PathUnescape(s); err == nil && json.Valid([]byte(d)) {
		return json.RawMessage(d)
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
