package agency

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// fakeIAM holds roles and policies, returns documents URL-encoded as IAM
// does, and pages every list one item at a time.
type fakeIAM struct {
	roles    map[string]*types.Role
	inline   map[string]map[string]string // role -> name -> document
	attached map[string][]string          // role -> policy ARNs
	policies map[string]map[string]string // ARN -> version -> document
	defaults map[string]string            // ARN -> default version
}

func page[T any](items []T, marker *string) ([]T, *string) {
	i := 0
	if marker != nil {
		i = int(aws.ToString(marker)[0] - '0')
	}
	if i >= len(items) {
		return nil, nil
	}
	if i+1 < len(items) {
		return items[i : i+1], aws.String(string(rune('0' + i + 1)))
	}
	return items[i:], nil
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func noRole(name string) error {
	return &types.NoSuchEntityException{Message: aws.String("The role with name " + name + " cannot be found.")}
}

func (f *fakeIAM) ListRoles(_ context.Context, in *iam.ListRolesInput, _ ...func(*iam.Options)) (*iam.ListRolesOutput, error) {
	var all []types.Role
	for _, n := range sortedKeys(f.roles) {
		all = append(all, *f.roles[n])
	}
	items, next := page(all, in.Marker)
	return &iam.ListRolesOutput{Roles: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	r := f.roles[aws.ToString(in.RoleName)]
	if r == nil {
		return nil, noRole(aws.ToString(in.RoleName))
	}
	cp := *r
	cp.AssumeRolePolicyDocument = aws.String(url.PathEscape(aws.ToString(r.AssumeRolePolicyDocument)))
	return &iam.GetRoleOutput{Role: &cp}, nil
}

func (f *fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	items, next := page(sortedKeys(f.inline[aws.ToString(in.RoleName)]), in.Marker)
	return &iam.ListRolePoliciesOutput{PolicyNames: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	doc, ok := f.inline[aws.ToString(in.RoleName)][aws.ToString(in.PolicyName)]
	if !ok {
		return nil, &types.NoSuchEntityException{Message: aws.String("no policy")}
	}
	return &iam.GetRolePolicyOutput{PolicyDocument: aws.String(url.PathEscape(doc))}, nil
}

func (f *fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	var all []types.AttachedPolicy
	for _, a := range f.attached[aws.ToString(in.RoleName)] {
		all = append(all, types.AttachedPolicy{PolicyArn: aws.String(a)})
	}
	items, next := page(all, in.Marker)
	return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *fakeIAM) GetPolicy(_ context.Context, in *iam.GetPolicyInput, _ ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	arn := aws.ToString(in.PolicyArn)
	if f.policies[arn] == nil {
		return nil, &types.NoSuchEntityException{Message: aws.String("no policy " + arn)}
	}
	return &iam.GetPolicyOutput{Policy: &types.Policy{Arn: in.PolicyArn, DefaultVersionId: aws.String(f.defaults[arn])}}, nil
}

func (f *fakeIAM) GetPolicyVersion(_ context.Context, in *iam.GetPolicyVersionInput, _ ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	doc, ok := f.policies[aws.ToString(in.PolicyArn)][aws.ToString(in.VersionId)]
	if !ok {
		return nil, &types.NoSuchEntityException{Message: aws.String("no version")}
	}
	return &iam.GetPolicyVersionOutput{PolicyVersion: &types.PolicyVersion{Document: aws.String(url.PathEscape(doc))}}, nil
}

const (
	trust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:SourceArn":"arn:aws:bedrock:*:111122223333:agent/*"}}}]}`
	inlineA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::kb/docs 100%+/*"}]}`
	inlineB = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}`
	polV1   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	polV2   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	polARN  = "arn:aws:iam::111122223333:policy/agent-admin"
	awsARN  = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"
)

func newFake() *fakeIAM {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &fakeIAM{
		roles: map[string]*types.Role{
			"agent-exec": {RoleName: aws.String("agent-exec"), RoleId: aws.String("AROAEXAMPLE1"), Arn: aws.String("arn:aws:iam::111122223333:role/service-role/agent-exec"), CreateDate: &created, AssumeRolePolicyDocument: aws.String(trust)},
			"other":      {RoleName: aws.String("other"), RoleId: aws.String("AROAEXAMPLE2"), Arn: aws.String("arn:aws:iam::111122223333:role/other"), CreateDate: &created, AssumeRolePolicyDocument: aws.String(trust)},
		},
		inline:   map[string]map[string]string{"agent-exec": {"kb-read": inlineA, "tools": inlineB}},
		attached: map[string][]string{"agent-exec": {polARN, awsARN}},
		policies: map[string]map[string]string{polARN: {"v1": polV1, "v2": polV2}, awsARN: {"v7": polV1}},
		defaults: map[string]string{polARN: "v2", awsARN: "v7"},
	}
}

type memSink struct {
	ev   []collect.Evidence
	gaps []collect.Gap
}

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	s.ev = append(s.ev, e)
	return nil
}
func (s *memSink) Gap(_ context.Context, g collect.Gap) error { s.gaps = append(s.gaps, g); return nil }

var target = collect.Target{Account: "111122223333", Region: "us-east-1"}

func TestUnits(t *testing.T) {
	f := newFake()
	client := func(collect.Target) (API, error) { return f, nil }
	names := []string{"agent-exec", "arn:aws:iam::111122223333:role/service-role/agent-exec", "arn:aws:iam::999999999999:role/elsewhere", "other"}
	for _, tc := range []struct {
		name    string
		r       *Roles
		targets []collect.Target // listed in this order
		want    []string         // account/region/id of every unit
	}{
		{
			name:    "named, once per account, in IAM's region",
			r:       &Roles{Client: client, Roles: names},
			targets: []collect.Target{{Account: "111122223333", Region: "eu-west-1"}, {Account: "111122223333", Region: "us-east-1"}},
			want:    []string{"111122223333/us-east-1/role/agent-exec", "111122223333/us-east-1/role/other"},
		},
		{
			name: "enumerated, per account",
			r:    &Roles{Client: client},
			targets: []collect.Target{
				{Account: "111122223333", Region: "us-east-1"}, {Account: "111122223333", Region: "eu-west-1"},
				{Account: "444455556666", Region: "eu-west-1"},
			},
			want: []string{
				"111122223333/us-east-1/role/agent-exec", "111122223333/us-east-1/role/other",
				"444455556666/us-east-1/role/agent-exec", "444455556666/us-east-1/role/other",
			},
		},
		{
			name:    "other partitions",
			r:       &Roles{Client: client, Roles: []string{"other"}},
			targets: []collect.Target{{Account: "111122223333", Region: "cn-northwest-1"}, {Account: "444455556666", Region: "us-gov-east-1"}},
			want:    []string{"111122223333/cn-north-1/role/other", "444455556666/us-gov-west-1/role/other"},
		},
		{
			name:    "a set region",
			r:       &Roles{Client: client, Roles: []string{"other"}, Region: "eu-central-1"},
			targets: []collect.Target{{Account: "111122223333", Region: "us-east-1"}},
			want:    []string{"111122223333/eu-central-1/role/other"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, tg := range tc.targets {
				units, err := tc.r.Units(context.Background(), tg)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range units {
					got = append(got, u.Target.Account+"/"+u.Target.Region+"/"+u.ID)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("units = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCollectRole(t *testing.T) {
	f := newFake()
	r := &Roles{Client: func(collect.Target) (API, error) { return f, nil }}
	sink := &memSink{}
	u := collect.Unit{Source: Source, ID: "role/agent-exec", Target: target}
	if err := r.Collect(context.Background(), u, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.ev) != 1 {
		t.Fatalf("%d records, want 1", len(sink.ev))
	}
	e := sink.ev[0]
	row := e.Row.(*schemas.Resource)
	if e.Kind != schemas.KindRole || e.ObjectID != "arn:aws:iam::111122223333:role/service-role/agent-exec" || row.Name != "agent-exec" || row.ID != "AROAEXAMPLE1" || row.Operation != "GetRole" {
		t.Errorf("record %+v row %+v", e, row)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(row.Normalized), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"trust_policy":             decode(t, trust),
		"inline_policies":          map[string]any{"kb-read": decode(t, inlineA), "tools": decode(t, inlineB)},
		"attached_policies":        map[string]any{polARN: decode(t, polV2), awsARN: decode(t, polV1)},
		"attached_policy_versions": map[string]any{polARN: "v2", awsARN: "v7"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("normalized\n%s\nwant\n%v", row.Normalized, want)
	}
}

func TestCollectMissingRoleIsAnAWSError(t *testing.T) {
	r := &Roles{Client: func(collect.Target) (API, error) { return newFake(), nil }}
	err := r.Collect(context.Background(), collect.Unit{Source: Source, ID: "role/gone", Target: target}, &memSink{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("err = %v, want NoSuchEntity kept for the gap", err)
	}
	if cause, ok := collect.GapCause(context.Background(), err); !ok || cause != "NoSuchEntity" {
		t.Errorf("gap cause = %q, %v", cause, ok)
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPolicyDoc(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{url.PathEscape(`{"a":"100%+ b"}`), `{"a":"100%+ b"}`},
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{`{"a":"50%"}`, `{"a":"50%"}`}, // not encoded, and not decodable: kept
		{"not a policy", `"not a policy"`},
		{"", `""`},
	} {
		if got := string(policyDoc(tc.in)); got != tc.want {
			t.Errorf("policyDoc(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRoleName(t *testing.T) {
	for in, want := range map[string][2]string{
		"plain": {"plain", ""},
		"arn:aws:iam::111122223333:role/a/b/name": {"name", "111122223333"},
		"arn:aws-us-gov:iam::123456789012:role/x": {"x", "123456789012"},
	} {
		if n, a := roleName(in); n != want[0] || a != want[1] {
			t.Errorf("roleName(%q) = %q, %q", in, n, a)
		}
	}
}
