package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect/trail"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// Hand-made rows for the rule tests.

const (
	acct    = "444455556666"
	userARN = "arn:aws:iam::444455556666:user/svc-ci"
	akia    = "AKIAEXAMPLE000000001"
	appRole = "arn:aws:iam::444455556666:role/app-role"
)

var t0 = time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

var seq int

func str(s string) *string { return &s }

func boolp(b bool) *bool { return &b }

func i64(n int64) *int64 { return &n }

// ev makes a CloudTrail event record of a role session, changed by opts.
func ev(region string, t time.Time, source, name string, opts ...func(*schemas.CloudTrailEvent)) *Record {
	seq++
	e := &schemas.CloudTrailEvent{
		EventID: fmt.Sprintf("ev-%05d", seq), EventTime: t, EventSource: source, EventName: name, AWSRegion: region,
		RecipientAccountID: acct, SourceIPAddress: "3.91.24.117", UserAgent: "aws-sdk-java/2.29.15",
		UserIdentityType: "AssumedRole", UserIdentityARN: "arn:aws:sts::444455556666:assumed-role/app-role/ecs-7f3a",
		AccessKeyID: "ASIAEXAMPLE000000001", SessionIssuerARN: appRole, ReadOnly: boolp(true), Parsed: true,
	}
	for _, o := range opts {
		o(e)
	}
	e.Element = trail.Element(e.EventSource, e.EventName)
	return &Record{Table: schemas.TableCloudTrailEvents, Partition: archive.Partition{Account: acct, Region: region},
		Meta: schemas.Meta{Kind: schemas.KindCloudTrailEvent, ObjectID: e.EventID}, Event: e}
}

// asUser makes the call with the IAM user's long-term key.
func asUser(e *schemas.CloudTrailEvent) {
	e.UserIdentityType, e.UserIdentityARN, e.AccessKeyID, e.SessionIssuerARN = "IAMUser", userARN, akia, ""
}

func asRole(arn string) func(*schemas.CloudTrailEvent) {
	return func(e *schemas.CloudTrailEvent) {
		e.UserIdentityType, e.SessionIssuerARN = "AssumedRole", arn
		e.UserIdentityARN = "arn:aws:sts::444455556666:assumed-role/" + arn[len("arn:aws:iam::444455556666:role/"):] + "/s"
	}
}

func fromIP(ip string) func(*schemas.CloudTrailEvent) {
	return func(e *schemas.CloudTrailEvent) { e.SourceIPAddress = ip }
}

func withError(code string) func(*schemas.CloudTrailEvent) {
	return func(e *schemas.CloudTrailEvent) { e.ErrorCode = str(code) }
}

func writes(e *schemas.CloudTrailEvent) { e.ReadOnly = boolp(false) }

func req(v any) func(*schemas.CloudTrailEvent) {
	b, _ := json.Marshal(v)
	return func(e *schemas.CloudTrailEvent) { e.RequestParameters = str(string(b)) }
}

func extra(v any) func(*schemas.CloudTrailEvent) {
	b, _ := json.Marshal(v)
	return func(e *schemas.CloudTrailEvent) { e.AdditionalData = str(string(b)) }
}

func identityType(t string) func(*schemas.CloudTrailEvent) {
	return func(e *schemas.CloudTrailEvent) { e.UserIdentityType = t }
}

// resource makes a resources row with a normalized document.
func resource(kind, arn, id, version, name, status string, norm any) *Record {
	b, _ := json.Marshal(norm)
	r := &schemas.Resource{Kind: kind, ARN: arn, ID: id, Version: version, Name: name, Status: status,
		Normalized: string(b), CreatedAt: t0.Add(-48 * time.Hour), UpdatedAt: t0.Add(-48 * time.Hour), AcquiredAt: t0.Add(24 * time.Hour)}
	oid := arn
	if version != "" {
		oid += "?version=" + version
	}
	return &Record{Table: schemas.TableResources, Partition: archive.Partition{Account: acct, Region: "us-east-1"},
		Meta: schemas.Meta{Kind: kind, ObjectID: oid}, Resource: r}
}

// validation is a trail file's validation row, as cloudtrail.files
// records it.
func validation(name, status, file, check string) *Record {
	key := "AWSLogs/" + acct + "/CloudTrail/us-east-1/2026/11/16/" + name
	return resource(trailfiles.KindValidation, "s3://trail-bucket/"+key, key, "", name, status,
		map[string]any{"file": file, "check": check, "detail": "", "digest": "", "want_sha256": "", "got_sha256": ""})
}

func guardrail(version string, strength string, pii bool) *Record {
	norm := map[string]any{
		"name":           "support",
		"content_policy": map[string]any{"Filters": []map[string]any{{"Type": "HATE", "InputStrength": strength, "OutputStrength": strength}}},
	}
	if pii {
		norm["sensitive_information_policy"] = map[string]any{"PiiEntities": []map[string]any{{"Type": "EMAIL", "Action": "ANONYMIZE"}}}
	}
	return resource(schemas.KindGuardrail, "arn:aws:bedrock:us-east-1:444455556666:guardrail/gr1", "gr1", version, "support", "READY", norm)
}

func role(name, service string, stmts ...map[string]any) *Record {
	trust := map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole"}}}
	pol := map[string]any{"Version": "2012-10-17", "Statement": stmts}
	return resource(schemas.KindRole, "arn:aws:iam::444455556666:role/"+name, "AROA"+name, "", name, "",
		map[string]any{"trust_policy": trust, "inline_policies": map[string]any{"p": pol}, "attached_policies": map[string]any{}})
}

func allow(action, res any) map[string]any {
	return map[string]any{"Effect": "Allow", "Action": action, "Resource": res}
}

func object(bucket, key string, modified time.Time) *Record {
	seq++
	o := &schemas.Object{Bucket: bucket, Key: key, VersionID: fmt.Sprintf("v%05d", seq), IsLatest: true, LastModified: modified,
		LedBy: "arn:aws:bedrock:us-east-1:444455556666:knowledge-base/KB1/data-source/DS1"}
	return &Record{Table: schemas.TableObjects, Partition: archive.Partition{Account: acct, Region: "us-east-1"},
		Meta: schemas.Meta{Kind: schemas.KindS3Object, ObjectID: "s3://" + bucket + "/" + key + "?versionId=" + o.VersionID}, Object: o}
}

// memBlobs is a blob store in memory for hand-made object rows.
type memBlobs map[string]string

func (m memBlobs) OpenBlob(sha string) (io.ReadCloser, error) {
	s, ok := m[sha]
	if !ok {
		return nil, fmt.Errorf("no blob %s", sha)
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

var testBlobs = memBlobs{}

// document is an object row whose content is preserved as a blob.
func document(bucket, key string, modified time.Time, content string) *Record {
	r := object(bucket, key, modified)
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	testBlobs[h] = content
	r.Object.SHA256, r.Object.BlobSHA256, r.Object.Size = &h, &h, int64(len(content))
	return r
}

func invocation(t time.Time, identity, prompt, response string, tokens int64) *Record {
	seq++
	inv := &schemas.Invocation{Time: t, RequestID: fmt.Sprintf("req-%05d", seq), Operation: "InvokeModel", ModelID: "anthropic.claude-3-haiku",
		IdentityARN: identity, InputTokens: i64(tokens / 2), OutputTokens: i64(tokens - tokens/2), Via: "cloudwatch-logs"}
	if prompt != "" {
		inv.Prompt = str(prompt)
	}
	if response != "" {
		inv.Response = str(response)
	}
	return &Record{Table: schemas.TableInvocations, Partition: archive.Partition{Account: acct, Region: "us-east-1"},
		Meta: schemas.Meta{Kind: schemas.KindInvocation, ObjectID: inv.RequestID}, Invocation: inv}
}

func repeat(n int, f func(i int) *Record) []*Record {
	out := make([]*Record, n)
	for i := range n {
		out[i] = f(i)
	}
	return out
}

func rows(parts ...any) []*Record {
	var out []*Record
	for _, p := range parts {
		switch v := p.(type) {
		case *Record:
			out = append(out, v)
		case []*Record:
			out = append(out, v...)
		}
	}
	return out
}

// testWindow is the collection window the rule tests run in.
var testWindow = Window{Since: t0.Add(-5 * 24 * time.Hour), Until: t0.Add(24 * time.Hour)}

// runRules feeds records to an engine in the order a bundle is read
// (scanOrder), then returns the findings.
func runRules(rules []Rule, recs []*Record) []Finding {
	return feed(rules, recs).Findings()
}

// feed makes an engine and feeds it records in scanOrder.
func feed(rules []Rule, recs []*Record) *Engine {
	e := NewEngine(testWindow, rules)
	e.SetBlobs(testBlobs)
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b *Record) int {
		return slices.Index(scanOrder, a.Table) - slices.Index(scanOrder, b.Table)
	})
	for _, r := range sorted {
		e.Observe(r)
	}
	return e
}
