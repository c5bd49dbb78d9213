package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

const (
	labManagement = "123456789012" // moto's default account, so ARNs compare equal
	labMember     = "210987654321"
)

// labScenario is the fixture as a lab scenario.
func labScenario(t *testing.T, f *fixture) *lab.Scenario {
	t.Helper()
	created := f.Logged.Add(-24 * time.Hour)
	mgmt := &lab.Account{ID: labManagement, Name: "management", Email: "root@example.com", Status: "ACTIVE", Joined: created}
	member := &lab.Account{ID: labMember, Name: f.MemberName, Email: f.MemberEmail, Status: "ACTIVE", Joined: created}

	b := &lab.Bucket{Name: f.Bucket, Region: f.BucketRegion, CreationDate: created, Versioning: "Enabled", Policy: f.BucketPolicy, PublicAccess: true}
	for i, p := range f.Puts {
		v := &lab.ObjectVersion{Key: p.Key, VersionID: fmt.Sprintf("v%03d", i), LastModified: created.Add(time.Duration(i) * time.Second)}
		if p.Body == nil {
			v.DeleteMarker = true
		} else {
			v.Body = *p.Body
		}
		b.Objects = append(b.Objects, v)
	}
	mgmt.Buckets = []*lab.Bucket{b}

	polARN := "arn:aws:iam::" + labManagement + ":policy/" + f.Managed
	mgmt.IAM.Policies = []*lab.ManagedPolicy{{
		PolicyName: f.Managed, PolicyID: "ANPALABPOLICY0000001", ARN: polARN, Path: "/",
		DefaultVersionID: "v2", AttachmentCount: 1, CreateDate: created, UpdateDate: created,
		Versions: []*lab.PolicyVersion{{VersionID: "v1", Document: f.ManagedV1, CreateDate: created}, {VersionID: "v2", Document: f.ManagedV2, CreateDate: created}},
	}}
	mgmt.IAM.Roles = []*lab.Role{{
		RoleName: f.Role, RoleID: "AROALABROLE000000001", ARN: "arn:aws:iam::" + labManagement + ":role/" + f.Role, Path: "/",
		CreateDate: created, MaxSessionDuration: 3600, AssumeRolePolicyDocument: f.Trust,
		InlinePolicies: f.Inline, AttachedPolicies: []string{polARN},
	}}

	// The responder reads, and reaches the member through the role
	// Organizations creates there.
	mgmt.IAM.Users = []*lab.User{{
		UserName: "responder", UserID: "AIDALABRESPONDER0001", ARN: "arn:aws:iam::" + labManagement + ":user/responder", Path: "/",
		CreateDate: created, AttachedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InlinePolicies: map[string]string{"assume-member-roles": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}`},
	}}
	member.IAM.Roles = []*lab.Role{{
		RoleName: "OrganizationAccountAccessRole", RoleID: "AROALABORGACCESS0001", ARN: "arn:aws:iam::" + labMember + ":role/OrganizationAccountAccessRole", Path: "/",
		CreateDate: created, MaxSessionDuration: 3600, AttachedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + labManagement + `:root"},"Action":"sts:AssumeRole"}]}`,
	}}

	stream := &lab.LogStream{LogStreamName: f.LogStream, CreationTime: created}
	for i, m := range f.Messages {
		stream.Events = append(stream.Events, lab.LogEvent{Timestamp: f.messageTime(i), IngestionTime: f.messageTime(i), Message: m})
	}
	mgmt.Regions = map[string]*lab.Region{"us-east-1": {
		LogGroups: []*lab.LogGroup{{
			LogGroupName: f.LogGroup, ARN: "arn:aws:logs:us-east-1:" + labManagement + ":log-group:" + f.LogGroup,
			CreationTime: created, Streams: []*lab.LogStream{stream},
		}},
		LoggingConfig: &lab.LoggingConfig{
			CloudWatchConfig:        &lab.CloudWatchConfig{LogGroupName: f.LogGroup, RoleARN: "arn:aws:iam::" + labManagement + ":role/bedrock-logging"},
			TextDataDeliveryEnabled: true,
		},
	}}

	sc := &lab.Scenario{
		Name:         "contract",
		Organization: lab.Organization{ID: "o-contract01", ManagementAccount: labManagement, Responder: "responder"},
		AccountList:  []*lab.Account{mgmt, member},
	}
	// The scenario is indexed as a file is, through LoadScenario.
	raw, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "contract.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := lab.LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

// startLab serves a scenario on a loopback port.
func startLab(t *testing.T, sc *lab.Scenario) emulator {
	t.Helper()
	srv, err := lab.New(lab.Options{Scenario: sc, NoQuotas: true})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r := srv.Responder()
	return emulator{url: url, key: r.AccessKeyID, secret: r.SecretAccessKey}
}

// labQuirks are the lab's departures from AWS.
var labQuirks = quirks{
	// ListObjectVersions ignores encoding-type=url, and Go's XML encoder
	// turns a control character in a key into U+FFFD: custody then asks
	// for a key that does not exist and records the version as a gap.
	s3NoURLEncoding: true,
}

// TestLabContract collects the fixture from the lab, which needs nothing
// installed, and checks the evidence as the moto test does.
func TestLabContract(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := newFixture(time.Now(), labQuirks)
	em := startLab(t, labScenario(t, f))
	got := collectAll(ctx, t, em, f)
	checkAll(ctx, t, em, f, got, labMember, labQuirks)
}

// TestLabMatchesMoto seeds the same estate into moto and into the lab,
// collects both, and checks that custody gets the same evidence from each.
func TestLabMatchesMoto(t *testing.T) {
	em := moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Both hold moto's fixture, the one without keys moto cannot list.
	f := newFixture(time.Now(), motoQuirks)
	seedMoto(ctx, t, em.url, f)
	fromMoto := collectAll(ctx, t, em, f)

	fromLab := collectAll(ctx, t, startLab(t, labScenario(t, f)), f)
	for _, g := range fromLab.sink.gaps {
		t.Errorf("lab gap %s: %s: %s", g.Unit.Key(), g.Cause, g.Message)
	}

	// TestLabContract checks the lab against the fixture; here it is
	// checked against moto.
	m, l := viewOf(fromMoto), viewOf(fromLab)
	for _, part := range []struct {
		name      string
		moto, lab []string
	}{
		{"objects", m.objects, l.objects},
		{"buckets", m.buckets, l.buckets},
		{"roles", m.roles, l.roles},
		{"invocations", m.invocations, l.invocations},
		{"accounts", m.accounts, l.accounts},
	} {
		if !reflect.DeepEqual(part.moto, part.lab) {
			t.Errorf("%s differ:\nmoto: %s\nlab:  %s", part.name, strings.Join(part.moto, "\n      "), strings.Join(part.lab, "\n      "))
		}
	}
}

// view is the evidence of a run with what legitimately differs between
// emulators left out: ids they mint (version ids, role ids, request ids,
// member account ids) and times.
type view struct {
	objects, buckets, roles, invocations, accounts []string
}

func viewOf(c *collected) view {
	var v view
	for _, o := range rows[*schemas.Object](c.sink, schemas.KindS3Object) {
		v.objects = append(v.objects, fmt.Sprintf("%q latest=%v deleted=%v size=%d etag=%s sha256=%s skipped=%s",
			o.Key, o.IsLatest, o.DeleteMarker, o.Size, o.ETag, aws.ToString(o.SHA256), aws.ToString(o.Skipped)))
	}
	for _, b := range rows[*schemas.Resource](c.sink, "aws.s3.bucket") {
		v.buckets = append(v.buckets, b.ARN+" "+b.Status+" "+b.Normalized)
	}
	for _, r := range rows[*schemas.Resource](c.sink, schemas.KindRole) {
		v.roles = append(v.roles, r.ARN+" "+r.Normalized)
	}
	for _, i := range rows[*schemas.Invocation](c.sink, schemas.KindInvocation) {
		v.invocations = append(v.invocations, fmt.Sprintf("%s %q %q %q %q %v %v %q %q %q %q %q",
			i.Time.Format(time.RFC3339Nano), i.RequestID, i.Operation, i.ModelID, i.IdentityARN,
			aws.ToInt64(i.InputTokens), aws.ToInt64(i.OutputTokens), aws.ToString(i.Prompt), aws.ToString(i.Response),
			aws.ToString(i.Guardrail), i.Via, i.Raw))
	}
	for _, info := range c.resolved.Info {
		role := "caller"
		if info.RoleARN != "" {
			role = "member via " + info.RoleARN[strings.LastIndexByte(info.RoleARN, '/')+1:]
		}
		v.accounts = append(v.accounts, role+" regions="+strings.Join(info.Regions, ","))
	}
	for _, s := range [][]string{v.objects, v.buckets, v.roles, v.invocations, v.accounts} {
		slices.Sort(s)
	}
	return v
}
