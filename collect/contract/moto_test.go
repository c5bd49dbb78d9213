package contract

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/agency"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/schemas"
)

const motoHowTo = "start it with `moto_server -H 127.0.0.1 -p 5055` and export CUSTODY_MOTO_URL=http://127.0.0.1:5055; .ci/run does both"

// moto is the moto server CI runs; the test is skipped, and says so, when
// there is none.
func moto(t *testing.T) emulator {
	t.Helper()
	endpoint := os.Getenv("CUSTODY_MOTO_URL")
	if endpoint == "" {
		t.Skip("CUSTODY_MOTO_URL not set: moto not running (" + motoHowTo + ")")
	}
	return emulator{url: endpoint, key: "testing", secret: "testing"}
}

// TestMotoContract seeds a small estate into moto with plain SDK clients,
// collects it with custody's session and sources, and checks the evidence
// against what was seeded.
func TestMotoContract(t *testing.T) {
	em := moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := newFixture(time.Now(), motoQuirks)
	member := seedMoto(ctx, t, em.url, f)
	got := collectAll(ctx, t, em, f)

	checkAll(ctx, t, em, f, got, member, motoQuirks)
}

// checkAll checks the evidence of a collection of the fixture.
func checkAll(ctx context.Context, t *testing.T, em emulator, f *fixture, got *collected, member string, q quirks) {
	t.Run("targets", func(t *testing.T) { checkTargets(t, got, member) })
	t.Run("objects", func(t *testing.T) { checkObjects(t, f, got, q) })
	t.Run("roles", func(t *testing.T) { checkRoles(t, f, got) })
	t.Run("invocations", func(t *testing.T) { checkInvocations(t, f, got) })
	t.Run("role enumeration", func(t *testing.T) { checkRoleEnumeration(ctx, t, em, f, got) })
	t.Run("configured log group", func(t *testing.T) { checkConfiguredLogGroup(ctx, t, em, f, got) })
	t.Run("acquisitions", func(t *testing.T) { checkAcquisitions(t, got) })
	t.Run("quirks", func(t *testing.T) { checkQuirks(ctx, t, em, f, got.resolved.Caller.Account, q) })
	t.Run("no gaps", func(t *testing.T) {
		for _, g := range got.sink.gaps {
			t.Errorf("gap %s: %s: %s", g.Unit.Key(), g.Cause, g.Message)
		}
	})
}

// collected is what one collection run gave.
type collected struct {
	resolved *collect.Resolved
	sink     *memSink
	stats    *collect.Stats
}

// session connects to an emulator as the responder would.
// emulator is where an emulated AWS listens, and the responder's keys.
type emulator struct{ url, key, secret string }

func session(ctx context.Context, t *testing.T, em emulator) *collect.Session {
	t.Helper()
	sess, err := collect.NewSession(ctx, collect.SessionOptions{
		Region: "us-east-1", EndpointURL: em.url, AccessKeyID: em.key, SecretAccessKey: em.secret,
		DefaultRate: 200,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func sources(sess *collect.Session, f *fixture, caller string, roles []string) []collect.Source {
	since, until := f.Logged.Add(-time.Hour), f.Logged.Add(time.Minute)
	return []collect.Source{
		&kbobjects.Objects{
			Locations: []kbobjects.Location{{Account: caller, Bucket: f.Bucket, Prefix: f.Prefix, LedBy: f.LedBy}},
			PageSize:  3, // several pages, so markers go over the wire
			Client:    func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(sess.Config(t)), nil },
		},
		&agency.Roles{
			Roles: roles, Region: "us-east-1",
			Client: func(t collect.Target) (agency.API, error) { return agency.NewClient(sess.Config(t)), nil },
		},
		&invlogs.Logs{
			// Named, and also configured in Bedrock: read once.
			LogGroups: []invlogs.LogGroup{{Account: caller, Region: "us-east-1", Name: f.LogGroup}},
			Configured: func(t collect.Target) (invlogs.LoggingConfigAPI, error) {
				return bedrock.NewFromConfig(sess.Config(t)), nil
			},
			Since: since, Until: until,
			Client: func(t collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error) {
				return cloudwatchlogs.NewFromConfig(sess.Config(t)), nil
			},
		},
	}
}

// collectAll resolves the organization's targets and runs every source.
func collectAll(ctx context.Context, t *testing.T, em emulator, f *fixture) *collected {
	t.Helper()
	sess := session(ctx, t, em)
	// The regions are given sorted: Resolve sorts this slice in place from
	// one goroutine per account, a data race the race detector reports when
	// it is not sorted already. Give them unsorted once Resolve sorts a copy.
	regions := []string{"us-east-1", f.BucketRegion}
	slices.Sort(regions)
	res, err := sess.Resolve(ctx, collect.TargetOptions{Org: true, Regions: regions})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	for _, g := range res.Gaps {
		t.Errorf("target gap %s: %s: %s", g.Unit.Key(), g.Cause, g.Message)
	}
	sink := &memSink{}
	sess.RecordInto(sink)
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/%s", res.Caller.Account, f.Role)
	stats, err := collect.Run(ctx, res.Targets, sources(sess, f, res.Caller.Account, []string{roleARN}), sink, collect.Options{Parallel: 4})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := sess.Err(); err != nil {
		t.Fatalf("session: %v", err)
	}
	return &collected{resolved: res, sink: sink, stats: stats}
}

func checkTargets(t *testing.T, got *collected, member string) {
	res := got.resolved
	if len(res.Caller.Account) != 12 || res.Caller.ARN == "" {
		t.Errorf("caller identity = %+v, want an account and an ARN", res.Caller)
	}
	var accounts []string
	for _, i := range res.Info {
		accounts = append(accounts, i.Account)
		if i.Identity.Account != i.Account {
			t.Errorf("account %s: STS says the credentials are of account %s (%s)", i.Account, i.Identity.Account, i.Identity.ARN)
		}
		if i.Account == member && !strings.Contains(i.Identity.ARN, ":assumed-role/"+collect.DefaultRoleName+"/") {
			t.Errorf("member %s identity ARN = %s, want the assumed %s", member, i.Identity.ARN, collect.DefaultRoleName)
		}
	}
	if want := []string{res.Caller.Account, member}; !slices.Equal(accounts, sorted(want)) {
		t.Errorf("target accounts = %v, want %v", accounts, sorted(want))
	}
	if len(res.Targets) != 4 {
		t.Errorf("targets = %v, want 2 accounts x 2 regions", res.Targets)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// quirks are the known ways an emulator departs from AWS, each checked to
// still hold so that the list stays true.
type quirks struct {
	// s3NoRequestID: S3 responses carry x-amzn-requestid instead of S3's
	// x-amz-request-id, so the SDK finds no request id.
	s3NoRequestID bool
	// s3NoURLEncoding: ListObjectVersions ignores encoding-type=url and
	// writes keys raw, so a key with a control character makes the listing
	// XML that cannot be parsed; such a key is left out of the fixture.
	s3NoURLEncoding bool
}

// motoQuirks are moto 5.2's.
var motoQuirks = quirks{s3NoRequestID: true, s3NoURLEncoding: true}

// checkQuirks checks that the quirks not seen in the evidence still hold.
func checkQuirks(ctx context.Context, t *testing.T, em emulator, f *fixture, caller string, q quirks) {
	if !q.s3NoURLEncoding {
		return
	}
	sess := session(ctx, t, em)
	c := kbobjects.NewClient(sess.Config(collect.Target{Account: caller, Region: f.BucketRegion}))
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(f.Bucket), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	if out.EncodingType == s3types.EncodingTypeUrl {
		t.Errorf("ListObjectVersions now honours encoding-type=url: drop the quirk")
	}
}

func checkObjects(t *testing.T, f *fixture, got *collected, q quirks) {
	objs := rows[*schemas.Object](got.sink, schemas.KindS3Object)
	want := f.versions()
	byKey := map[string][]*schemas.Object{}
	for _, o := range objs {
		byKey[o.Key] = append(byKey[o.Key], o)
		if o.RequestID == "" && !q.s3NoRequestID {
			t.Errorf("object %q version %s: no request id", o.Key, o.VersionID)
		}
		if o.Bucket != f.Bucket || o.LedBy != f.LedBy || o.VersionID == "" || o.LastModified.IsZero() {
			t.Errorf("object %q: bucket %q led by %q version %q modified %v", o.Key, o.Bucket, o.LedBy, o.VersionID, o.LastModified)
		}
	}
	if q.s3NoRequestID && len(objs) > 0 && objs[0].RequestID != "" {
		t.Errorf("S3 now sends a request id (%s): drop the quirk", objs[0].RequestID)
	}
	var gotKeys, wantKeys []string
	for k := range byKey {
		gotKeys = append(gotKeys, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	if !slices.Equal(sorted(gotKeys), sorted(wantKeys)) {
		t.Fatalf("keys = %q, want exactly %q", sorted(gotKeys), sorted(wantKeys))
	}
	for key, versions := range want {
		rows := byKey[key]
		if len(rows) != len(versions) {
			t.Errorf("%q: %d versions, want %d", key, len(rows), len(versions))
			continue
		}
		var gotSums, wantSums []string
		latest := 0
		for _, r := range rows {
			if r.IsLatest {
				latest++
				if last := versions[len(versions)-1]; (last == nil) != r.DeleteMarker {
					t.Errorf("%q: the latest version is a delete marker: %v, want %v", key, r.DeleteMarker, last == nil)
				}
			}
			switch {
			case r.DeleteMarker:
				gotSums = append(gotSums, "delete-marker")
			case r.SHA256 == nil || r.Skipped != nil:
				t.Errorf("%q version %s: content not preserved (skipped %v)", key, r.VersionID, aws.ToString(r.Skipped))
			default:
				gotSums = append(gotSums, *r.SHA256)
				if b := got.sink.blobs[*r.SHA256]; sha(string(b)) != *r.SHA256 || int64(len(b)) != r.Size {
					t.Errorf("%q version %s: blob of %d bytes for size %d", key, r.VersionID, len(b), r.Size)
				}
				if want := fmt.Sprintf("%q", hex.EncodeToString(md5sum(got.sink.blobs[*r.SHA256]))); r.ETag != want {
					t.Errorf("%q version %s: ETag %s, want %s", key, r.VersionID, r.ETag, want)
				}
				if r.Checksum == nil || aws.ToString(r.ChecksumAlgo) != "SHA256" {
					t.Errorf("%q version %s: S3 checksum %s %s, want the SHA256 it was put with", key, r.VersionID, aws.ToString(r.ChecksumAlgo), aws.ToString(r.Checksum))
				} else if sum, err := base64.StdEncoding.DecodeString(*r.Checksum); err != nil || hex.EncodeToString(sum) != *r.SHA256 {
					t.Errorf("%q version %s: S3's SHA256 checksum %s is not the content's %s", key, r.VersionID, *r.Checksum, *r.SHA256)
				}
			}
		}
		for _, v := range versions {
			if v == nil {
				wantSums = append(wantSums, "delete-marker")
			} else {
				wantSums = append(wantSums, sha(*v))
			}
		}
		if !slices.Equal(sorted(gotSums), sorted(wantSums)) {
			t.Errorf("%q: contents %v, want %v", key, gotSums, wantSums)
		}
		if latest != 1 {
			t.Errorf("%q: %d versions marked latest, want 1", key, latest)
		}
	}
	buckets := rows[*schemas.Resource](got.sink, kbobjects.KindBucket)
	if len(buckets) != 1 || buckets[0].Status != "Enabled" || !strings.Contains(buckets[0].Raw, "Enabled") {
		t.Errorf("bucket snapshots = %+v, want one, versioning Enabled, raw kept", buckets)
	}
	for _, b := range buckets {
		var c kbobjects.BucketConfig
		if err := json.Unmarshal([]byte(b.Normalized), &c); err != nil {
			t.Fatal(err)
		}
		if aws.ToString(c.Policy) != f.BucketPolicy || c.PublicAccessBlock == nil || !c.PublicAccessBlock.BlockPublicPolicy ||
			len(c.Encryption) != 1 || c.Encryption[0].SSEAlgorithm != "AES256" || c.ObjectLock != nil || len(c.Unread) != 0 {
			t.Errorf("bucket configuration %s, want the seeded policy, public access block and encryption, no object lock", b.Normalized)
		}
	}
}

func md5sum(b []byte) []byte { h := md5.Sum(b); return h[:] }

// normalizedRole is the Normalized JSON of a role row.
type normalizedRole struct {
	TrustPolicy      any               `json:"trust_policy"`
	Inline           map[string]any    `json:"inline_policies"`
	Attached         map[string]any    `json:"attached_policies"`
	AttachedVersions map[string]string `json:"attached_policy_versions"`
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("fixture JSON %s: %v", s, err)
	}
	return v
}

func roleRow(got *collected, name string) *schemas.Resource {
	for _, r := range rows[*schemas.Resource](got.sink, schemas.KindRole) {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func checkRoles(t *testing.T, f *fixture, got *collected) {
	roles := rows[*schemas.Resource](got.sink, schemas.KindRole)
	if len(roles) != 1 {
		t.Fatalf("%d role rows, want 1 (the one asked for)", len(roles))
	}
	r := roles[0]
	if r.Name != f.Role || !strings.HasSuffix(r.ARN, ":role/"+f.Role) || r.ID == "" || r.RequestID == "" || r.Operation != "GetRole" {
		t.Errorf("role row = %+v", r)
	}
	if !strings.Contains(r.Raw, "<GetRoleResponse") || !strings.Contains(r.Raw, "<RoleName>"+f.Role+"</RoleName>") {
		t.Errorf("raw GetRole body not kept: %q", r.Raw)
	}
	var n normalizedRole
	if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
		t.Fatalf("normalized %s: %v", r.Normalized, err)
	}
	if !reflect.DeepEqual(n.TrustPolicy, jsonOf(t, f.Trust)) {
		t.Errorf("trust policy = %v, want %s", n.TrustPolicy, f.Trust)
	}
	for name, doc := range f.Inline {
		if !reflect.DeepEqual(n.Inline[name], jsonOf(t, doc)) {
			t.Errorf("inline policy %s = %v, want %s", name, n.Inline[name], doc)
		}
	}
	if len(n.Inline) != len(f.Inline) {
		t.Errorf("inline policies = %v, want %d", n.Inline, len(f.Inline))
	}
	if len(n.Attached) != 1 {
		t.Fatalf("attached policies = %v, want 1", n.Attached)
	}
	for arn, doc := range n.Attached {
		if !strings.HasSuffix(arn, ":policy/"+f.Managed) {
			t.Errorf("attached policy %s, want %s", arn, f.Managed)
		}
		if !reflect.DeepEqual(doc, jsonOf(t, f.ManagedV2)) {
			t.Errorf("attached policy document = %v, want the default version %s", doc, f.ManagedV2)
		}
		if n.AttachedVersions[arn] != "v2" {
			t.Errorf("attached policy version = %q, want v2", n.AttachedVersions[arn])
		}
	}
}

func checkRoleEnumeration(ctx context.Context, t *testing.T, em emulator, f *fixture, first *collected) {
	sess := session(ctx, t, em)
	sink := &memSink{}
	caller := first.resolved.Caller.Account
	var targets []collect.Target
	for _, tg := range first.resolved.Targets {
		if tg.Account == caller {
			targets = append(targets, tg)
		}
	}
	src := sources(sess, f, caller, nil)[1]
	if _, err := collect.Run(ctx, targets, []collect.Source{src}, sink, collect.Options{Parallel: 4}); err != nil {
		t.Fatal(err)
	}
	for _, g := range sink.gaps {
		t.Errorf("gap %s: %s: %s", g.Unit.Key(), g.Cause, g.Message)
	}
	got := &collected{sink: sink}
	r, want := roleRow(got, f.Role), roleRow(first, f.Role)
	if r == nil || want == nil {
		t.Fatalf("role %s not enumerated (rows: %d)", f.Role, len(rows[*schemas.Resource](sink, schemas.KindRole)))
	}
	if r.Normalized != want.Normalized {
		t.Errorf("enumerated role %s\n%s\nwant as when named\n%s", f.Role, r.Normalized, want.Normalized)
	}
}

func checkInvocations(t *testing.T, f *fixture, got *collected) {
	invs := rows[*schemas.Invocation](got.sink, schemas.KindInvocation)
	if len(invs) != len(f.Messages) {
		t.Fatalf("%d invocation rows, want %d", len(invs), len(f.Messages))
	}
	byRaw := map[string]*schemas.Invocation{}
	for _, r := range invs {
		byRaw[r.Raw] = r
		if r.Via != invlogs.ViaLogs || r.AcqRequest == "" {
			t.Errorf("invocation via %q request %q", r.Via, r.AcqRequest)
		}
	}
	conv, msgs, junk := byRaw[f.Messages[0]], byRaw[f.Messages[1]], byRaw[f.Messages[2]]
	if conv == nil || msgs == nil || junk == nil {
		t.Fatalf("messages not kept exactly: %d of %d found", len(byRaw), len(f.Messages))
	}
	check := func(name, got, want string) {
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("converse operation", conv.Operation, "Converse")
	check("converse model", conv.ModelID, "anthropic.claude-3-haiku-20240307-v1:0")
	check("converse identity", conv.IdentityARN, "arn:aws:sts::123456789012:assumed-role/kb-agent-exec/agent")
	check("converse prompt", aws.ToString(conv.Prompt), "system: You answer from the handbook.\nuser: Summarise the handbook")
	check("converse response", aws.ToString(conv.Response), "assistant: It says to be kind.")
	if aws.ToInt64(conv.InputTokens) != 17 || aws.ToInt64(conv.OutputTokens) != 6 {
		t.Errorf("converse tokens = %v/%v, want 17/6", conv.InputTokens, conv.OutputTokens)
	}
	if !conv.Time.Equal(f.messageTime(0)) {
		t.Errorf("converse time = %v, want %v", conv.Time, f.messageTime(0))
	}
	check("messages prompt", aws.ToString(msgs.Prompt), "user: Email me the payroll file")
	check("messages response", aws.ToString(msgs.Response), "assistant: Sorry, I can't help with that.")
	check("messages guardrail", aws.ToString(msgs.Guardrail), "INTERVENED")
	if junk.Operation != "" || junk.Prompt != nil || !junk.Time.IsZero() {
		t.Errorf("unparsable message gave fields: %+v", junk)
	}
}

// absent is the error code with which S3 answers that a bucket has no such
// configuration: an answer, not a failure.
var absent = map[string]string{
	"GetObjectLockConfiguration": "ObjectLockConfigurationNotFoundError",
	"GetBucketPolicy":            "NoSuchBucketPolicy",
	"GetBucketEncryption":        "ServerSideEncryptionConfigurationNotFoundError",
	"GetPublicAccessBlock":       "NoSuchPublicAccessBlockConfiguration",
}

// checkAcquisitions checks that every call was recorded, that only reads
// were sent, and that the sources made the calls they should.
func checkAcquisitions(t *testing.T, got *collected) {
	ops := map[string]int{}
	for _, a := range rows[*schemas.Acquisition](got.sink, schemas.KindAcquisition) {
		ops[a.Service+" "+a.Operation]++
		if a.Outcome != "ok" && a.Outcome != absent[a.Operation] {
			t.Errorf("%s %s: outcome %s", a.Service, a.Operation, a.Outcome)
		}
	}
	for op := range ops {
		name := op[strings.LastIndexByte(op, ' ')+1:]
		if !slices.ContainsFunc([]string{"Get", "List", "Filter"}, func(p string) bool { return strings.HasPrefix(name, p) }) {
			t.Errorf("recorded call %s is not a read", op)
		}
	}
	objects := len(rows[*schemas.Object](got.sink, schemas.KindS3Object))
	for op, want := range map[string]int{
		"S3 GetBucketVersioning": 1, "S3 ListObjectVersions": (objects + 2) / 3, "S3 GetObject": objects - 1, // one delete marker
		"IAM GetRole": 1, "IAM GetRolePolicy": 1, "IAM GetPolicyVersion": 1,
		"CloudWatch Logs FilterLogEvents": 1, "Bedrock GetModelInvocationLoggingConfiguration": len(got.resolved.Targets),
	} {
		if ops[op] != want {
			t.Errorf("%s: %d calls recorded, want %d (all: %v)", op, ops[op], want, ops)
		}
	}
}

// checkConfiguredLogGroup collects invocation logs with no log group named:
// the one Bedrock's logging configuration names is read.
func checkConfiguredLogGroup(ctx context.Context, t *testing.T, em emulator, f *fixture, first *collected) {
	sess := session(ctx, t, em)
	sink := &memSink{}
	src := sources(sess, f, first.resolved.Caller.Account, nil)[2].(*invlogs.Logs)
	src.LogGroups = nil
	if _, err := collect.Run(ctx, first.resolved.Targets, []collect.Source{src}, sink, collect.Options{Parallel: 4}); err != nil {
		t.Fatal(err)
	}
	for _, g := range sink.gaps {
		t.Errorf("gap %s: %s: %s", g.Unit.Key(), g.Cause, g.Message)
	}
	got, want := rows[*schemas.Invocation](sink, schemas.KindInvocation), rows[*schemas.Invocation](first.sink, schemas.KindInvocation)
	if len(got) != len(want) {
		t.Fatalf("%d invocations from the configured log group, want %d as when named", len(got), len(want))
	}
	for i := range got {
		if got[i].Raw != want[i].Raw {
			t.Errorf("invocation %d: %q, want %q", i, got[i].Raw, want[i].Raw)
		}
	}
}
