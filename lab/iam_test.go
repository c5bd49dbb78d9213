package lab

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func decodeDoc(t *testing.T, s *string) string {
	t.Helper()
	d, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIAMRolesPoliciesUsers(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := iam.NewFromConfig(cfg)
	want := s.Scenario().Account(ProdAccount).IAM

	var names []string
	p := iam.NewListRolesPaginator(cl, &iam.ListRolesInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if len(names) != len(want.Roles) {
		t.Fatalf("roles = %v", names)
	}
	for _, r := range want.Roles {
		gr, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.RoleName)})
		if err != nil {
			t.Fatal(err)
		}
		got := gr.Role
		if aws.ToString(got.Arn) != r.ARN || aws.ToString(got.RoleId) != r.RoleID || aws.ToString(got.Path) != r.Path || !got.CreateDate.Equal(r.CreateDate) ||
			decodeDoc(t, got.AssumeRolePolicyDocument) != r.AssumeRolePolicyDocument || aws.ToInt32(got.MaxSessionDuration) != r.MaxSessionDuration ||
			aws.ToString(got.Description) != r.Description || got.RoleLastUsed == nil {
			t.Fatalf("GetRole %s = %+v", r.RoleName, got)
		}
		if !r.LastUsedDate.IsZero() && (got.RoleLastUsed.LastUsedDate == nil || aws.ToString(got.RoleLastUsed.Region) != r.LastUsedRegion) {
			t.Fatalf("GetRole %s last used = %+v", r.RoleName, got.RoleLastUsed)
		}
		lp, err := cl.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(r.RoleName)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lp.PolicyNames, sortedKeys(r.InlinePolicies)) {
			t.Fatalf("inline policies of %s = %v", r.RoleName, lp.PolicyNames)
		}
		for name, doc := range r.InlinePolicies {
			gp, err := cl.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if decodeDoc(t, gp.PolicyDocument) != doc || aws.ToString(gp.RoleName) != r.RoleName || aws.ToString(gp.PolicyName) != name {
				t.Fatalf("GetRolePolicy %s/%s = %+v", r.RoleName, name, gp)
			}
		}
		ap, err := cl.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(r.RoleName)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ap.AttachedPolicies) != len(r.AttachedPolicies) {
			t.Fatalf("attached to %s = %+v", r.RoleName, ap.AttachedPolicies)
		}
		for _, a := range ap.AttachedPolicies {
			checkPolicy(t, cl, aws.ToString(a.PolicyArn))
			if aws.ToString(a.PolicyName) == "" {
				t.Fatalf("attached policy lacks its name: %+v", a)
			}
		}
	}
	for _, mp := range want.Policies {
		checkPolicy(t, cl, mp.ARN)
		lv, err := cl.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(mp.ARN)})
		if err != nil || len(lv.Versions) != len(mp.Versions) {
			t.Fatalf("policy versions = %+v, %v", lv, err)
		}
		for _, v := range mp.Versions {
			gv, err := cl.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(mp.ARN), VersionId: aws.String(v.VersionID)})
			if err != nil || decodeDoc(t, gv.PolicyVersion.Document) != v.Document || !gv.PolicyVersion.CreateDate.Equal(v.CreateDate) {
				t.Fatalf("policy version %s = %+v, %v", v.VersionID, gv, err)
			}
		}
	}
	lpol, err := cl.ListPolicies(ctx, &iam.ListPoliciesInput{})
	if err != nil || len(lpol.Policies) != len(want.Policies)+len(awsManagedPolicies()) {
		t.Fatalf("ListPolicies = %d, %v", len(lpol.Policies), err)
	}

	lu, err := cl.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(lu.Users) != len(want.Users) {
		t.Fatalf("users = %+v, %v", lu, err)
	}
	u := want.Users[0]
	gu, err := cl.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(u.UserName)})
	if err != nil || aws.ToString(gu.User.Arn) != u.ARN || aws.ToString(gu.User.UserId) != u.UserID || gu.User.CreateDate == nil {
		t.Fatalf("GetUser = %+v, %v", gu, err)
	}
	ak, err := cl.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(u.UserName)})
	if err != nil || len(ak.AccessKeyMetadata) != 1 || aws.ToString(ak.AccessKeyMetadata[0].AccessKeyId) != u.AccessKeys[0].AccessKeyID || ak.AccessKeyMetadata[0].Status != "Active" {
		t.Fatalf("access keys = %+v, %v", ak, err)
	}
	lu2, err := cl.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(u.AccessKeys[0].AccessKeyID)})
	if err != nil || aws.ToString(lu2.AccessKeyLastUsed.ServiceName) != "bedrock" || lu2.AccessKeyLastUsed.LastUsedDate == nil {
		t.Fatalf("last used = %+v, %v", lu2, err)
	}
	aup, err := cl.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(u.UserName)})
	if err != nil || len(aup.AttachedPolicies) != 1 {
		t.Fatalf("user policies = %+v, %v", aup, err)
	}
	_, err = cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")})
	wantCode(t, err, "NoSuchEntity")
	_, err = cl.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("genai-app-role"), PolicyName: aws.String("x"), PolicyDocument: aws.String("{}")})
	wantCode(t, err, "AccessDenied")
}

func checkPolicy(t *testing.T, cl *iam.Client, arn string) {
	t.Helper()
	ctx := context.Background()
	gp, err := cl.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	p := gp.Policy
	if aws.ToString(p.Arn) != arn || aws.ToString(p.PolicyName) == "" || aws.ToString(p.PolicyId) == "" || aws.ToString(p.DefaultVersionId) == "" ||
		p.CreateDate == nil || p.UpdateDate == nil || aws.ToString(p.Path) == "" || !p.IsAttachable {
		t.Fatalf("GetPolicy %s = %+v", arn, p)
	}
	gv, err := cl.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	if !gv.PolicyVersion.IsDefaultVersion || decodeDoc(t, gv.PolicyVersion.Document) == "" {
		t.Fatalf("GetPolicyVersion %s = %+v", arn, gv.PolicyVersion)
	}
}
