package drift

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

const (
	acct   = "444455556666"
	region = "us-east-1"
	kbLed  = "arn:aws:bedrock:us-east-1:444455556666:knowledge-base/KB1/data-source/DS1"
)

var at = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// estate is a small known-good estate, as rows; tests change a copy.
type estate struct {
	resources []*schemas.Resource
	sources   map[*schemas.Resource]string
	objects   []*schemas.Object
	events    []*schemas.CloudTrailEvent
	gaps      []schemas.Gap
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type m = map[string]any

func filter(typ, in, out string) m {
	return m{"Type": typ, "InputStrength": in, "OutputStrength": out, "InputAction": "BLOCK", "OutputAction": "BLOCK", "InputEnabled": true, "OutputEnabled": true}
}

func guardrailNorm(name string, filters []any, topics []any, pii []any) string {
	return mustJSON(m{
		"name": name, "content_policy": m{"Filters": filters},
		"topic_policy":                 m{"Topics": topics},
		"sensitive_information_policy": m{"PiiEntities": pii, "Regexes": nil},
		"contextual_grounding_policy":  m{"Filters": []any{m{"Type": "GROUNDING", "Threshold": 0.85, "Action": "BLOCK", "Enabled": true}}},
		"blocked_input_messaging":      "no", "kms_key_arn": nil,
	})
}

func strongGuardrail() string {
	return guardrailNorm("support",
		[]any{filter("VIOLENCE", "HIGH", "HIGH"), filter("PROMPT_ATTACK", "HIGH", "NONE")},
		[]any{m{"Name": "investment-advice", "Type": "DENY", "Definition": "securities"}},
		[]any{m{"Type": "EMAIL", "Action": "ANONYMIZE"}, m{"Type": "CREDIT_DEBIT_CARD_NUMBER", "Action": "BLOCK"}})
}

func loggingNorm(text, image bool, group string) string {
	return mustJSON(m{"logging_config": m{
		"CloudWatchConfig":        m{"LogGroupName": group, "RoleArn": "arn:aws:iam::444455556666:role/logs"},
		"TextDataDeliveryEnabled": text, "ImageDataDeliveryEnabled": image, "EmbeddingDataDeliveryEnabled": false,
	}})
}

func roleNorm(trust any, actions []string, resource string, cond bool) string {
	st := m{"Effect": "Allow", "Action": actions, "Resource": resource}
	if cond {
		st["Condition"] = m{"StringEquals": m{"aws:SourceAccount": acct}}
	}
	return mustJSON(m{
		"trust_policy":      trust,
		"inline_policies":   m{"p": m{"Version": "2012-10-17", "Statement": []any{st}}},
		"attached_policies": m{}, "attached_policy_versions": m{},
	})
}

func lambdaTrust(cond bool) any {
	st := m{"Effect": "Allow", "Principal": m{"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}
	if cond {
		st["Condition"] = m{"StringEquals": m{"aws:SourceAccount": acct}}
	}
	return m{"Version": "2012-10-17", "Statement": []any{st}}
}

// bucketNorm is a bucket's protective configuration, versioned and KMS
// encrypted.
func bucketNorm(policy any, lock any, blocked bool, unread ...string) string {
	var pab any
	if blocked {
		pab = m{"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true}
	}
	n := m{"versioning": "Enabled", "mfa_delete": "", "object_lock": lock, "policy": policy,
		"encryption":          []any{m{"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:aws:kms:us-east-1:444455556666:key/k1", "bucket_key_enabled": true}},
		"public_access_block": pab}
	if len(unread) > 0 {
		n["unread"] = unread
	}
	return mustJSON(n)
}

func sha(s string) *string {
	h := sha256.Sum256([]byte(s))
	x := hex.EncodeToString(h[:])
	return &x
}

func baseEstate() *estate {
	e := &estate{sources: map[*schemas.Resource]string{}}
	add := func(source string, r *schemas.Resource) { e.resources = append(e.resources, r); e.sources[r] = source }
	gARN := "arn:aws:bedrock:us-east-1:444455556666:guardrail/"
	for _, v := range []string{"DRAFT", "1"} {
		add("bedrock.config", &schemas.Resource{Kind: schemas.KindGuardrail, ARN: gARN + "gr1", ID: "gr1", Version: v, Name: "support", Status: "READY", Normalized: strongGuardrail()})
	}
	add("bedrock.config", &schemas.Resource{Kind: schemas.KindGuardrail, ARN: gARN + "gr2", ID: "gr2", Version: "DRAFT", Name: "pii", Status: "READY",
		Normalized: guardrailNorm("pii", nil, nil, []any{m{"Type": "US_SOCIAL_SECURITY_NUMBER", "Action": "BLOCK"}})})
	add("bedrock.config", &schemas.Resource{Kind: schemas.KindLoggingConfig, ARN: "arn:aws:bedrock:us-east-1:444455556666:model-invocation-logging", ID: "model-invocation-logging", Status: "present",
		Normalized: loggingNorm(true, true, "/aws/bedrock/invocations")})
	add("bedrock.config", &schemas.Resource{Kind: schemas.KindImportedModel, ARN: "arn:aws:bedrock:us-east-1:444455556666:imported-model/im1", ID: "im1",
		Normalized: mustJSON(m{"source_s3_uri": "s3://models/im1/", "architecture": "llama"})})
	agentARN := "arn:aws:bedrock:us-east-1:444455556666:agent/AG1"
	add("bedrock.agents", &schemas.Resource{Kind: schemas.KindAgent, ARN: agentARN, ID: "AG1", Version: "DRAFT", Name: "support-agent",
		Normalized: mustJSON(m{"instruction": "Help customers with orders.", "role_arn": "arn:aws:iam::444455556666:role/agent", "prepared_at": "2026-10-01T00:00:00Z"})})
	add("bedrock.agents", &schemas.Resource{Kind: schemas.KindActionGroup, ARN: agentARN + "/version/DRAFT/action-group/AGRP1", ID: "AGRP1", Version: "DRAFT",
		Normalized: mustJSON(m{"lambda": "arn:aws:lambda:us-east-1:444455556666:function:lookup"})})
	add("bedrock.agents", &schemas.Resource{Kind: schemas.KindAgentAlias, ARN: "arn:aws:bedrock:us-east-1:444455556666:agent-alias/AG1/AL1", ID: "AL1", Name: "live",
		Normalized: mustJSON(m{"agent_id": "AG1", "routes_to_versions": []string{"1"}, "history": []any{}})})
	add("bedrock.agents", &schemas.Resource{Kind: schemas.KindLambdaFunction, ARN: "arn:aws:lambda:us-east-1:444455556666:function:lookup", ID: "lookup", Version: "$LATEST",
		Normalized: mustJSON(m{"code_sha256": "AAAA", "role_arn": "arn:aws:iam::444455556666:role/fn", "revision_id": "r1"})})
	add("iam.roles", &schemas.Resource{Kind: schemas.KindRole, ARN: "arn:aws:iam::444455556666:role/agent", ID: "AROA1", Name: "agent",
		Normalized: roleNorm(lambdaTrust(true), []string{"bedrock:InvokeModel"}, "arn:aws:bedrock:us-east-1::foundation-model/*", true)})
	add("s3.objects", &schemas.Resource{Kind: kindBucket, ARN: "arn:aws:s3:::kb-docs", ID: "kb-docs", Name: "kb-docs", Status: "Enabled",
		Normalized: bucketNorm(`{"Version":"2012-10-17","Statement":[]}`, m{"enabled": true, "mode": "GOVERNANCE", "days": 30}, true)})
	for i, key := range []string{"faq/a.md", "faq/b.md", "faq/c.md"} {
		e.objects = append(e.objects, &schemas.Object{Bucket: "kb-docs", Key: key, VersionID: fmt.Sprintf("v%d", i), IsLatest: true, Size: 10,
			ETag: fmt.Sprintf(`"e%d"`, i), SHA256: sha(key), LedBy: kbLed, LastModified: at})
	}
	return e
}

// write seals an estate into a bundle of run kind.
func (e *estate) write(t testing.TB, dir, kind string) string {
	t.Helper()
	ctx := context.Background()
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), ToolVersion: "v0.0.0-test", Now: archivetest.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	tgt := schemas.Target{Account: acct, Region: region}
	for _, r := range e.resources {
		src := e.sources[r]
		if src == "" {
			src = "bedrock.config"
		}
		cp := *r
		if err := w.Put(ctx, schemas.Evidence{Kind: r.Kind, Unit: schemas.Unit{Source: src, ID: "u-" + r.Kind, Target: tgt}, ObjectID: r.ARN + ":" + r.Version, ObservedAt: at, Row: &cp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range e.objects {
		cp := *o
		if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "s3.objects", ID: "s3://kb-docs/faq/", Target: tgt}, ObjectID: "s3://" + o.Bucket + "/" + o.Key + "?versionId=" + o.VersionID, ObservedAt: at, Row: &cp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range e.events {
		cp := *ev
		if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: schemas.Unit{Source: "cloudtrail.lookup", ID: "lookup", Target: tgt}, ObjectID: ev.EventID, ObservedAt: at, Row: &cp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range e.gaps {
		if err := w.Gap(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	var sources []schemas.SourceInfo
	for _, s := range []string{"bedrock.config", "bedrock.agents", "iam.roles", "s3.objects"} {
		sources = append(sources, schemas.SourceInfo{Name: s})
	}
	w.SetRun(schemas.Run{Case: "t", Kind: kind, Started: at, Since: at.Add(-time.Hour), Until: at,
		Targets: []schemas.TargetInfo{{Account: acct, Regions: []string{region}}}, Sources: sources})
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return dir
}

func open(t testing.TB, dir string) *archive.Reader {
	t.Helper()
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func diffEstates(t *testing.T, base, now *estate) *Report {
	t.Helper()
	dir := t.TempDir()
	b := base.write(t, filepath.Join(dir, "base"), "baseline")
	a := now.write(t, filepath.Join(dir, "now"), "evidence")
	rep, err := Diff(context.Background(), open(t, b), open(t, a), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (e *estate) find(kind, id, version string) *schemas.Resource {
	for _, r := range e.resources {
		if r.Kind == kind && r.ID == id && r.Version == version {
			return r
		}
	}
	panic("no resource " + kind + " " + id)
}

func (e *estate) drop(kind, id string) {
	e.resources = slices.DeleteFunc(e.resources, func(r *schemas.Resource) bool { return r.Kind == kind && r.ID == id })
}

func TestDiffUnchangedEstate(t *testing.T) {
	rep := diffEstates(t, baseEstate(), baseEstate())
	if rep.Drifted() || len(rep.Changes) != 0 {
		t.Fatalf("an unchanged estate drifted: %+v", rep.Changes)
	}
	if rep.MediaType != schemas.MediaTypeDrift {
		t.Errorf("media type %q", rep.MediaType)
	}
	if n := rep.Compared[schemas.KindS3Object]; n != [2]int64{3, 3} {
		t.Errorf("compared objects %v, want [3 3]", n)
	}
}

// want is one expected change: its type, element and severity, and a
// fragment of its summary or details.
type want struct {
	typ, element string
	sev          Severity
	says         string
}

func TestDiffChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(e *estate)
		want   []want
	}{
		{"content filter lowered", func(e *estate) {
			e.find(schemas.KindGuardrail, "gr1", "DRAFT").Normalized = guardrailNorm("support",
				[]any{filter("VIOLENCE", "HIGH", "LOW"), filter("PROMPT_ATTACK", "HIGH", "NONE")},
				[]any{m{"Name": "investment-advice", "Type": "DENY", "Definition": "securities"}},
				[]any{m{"Type": "EMAIL", "Action": "ANONYMIZE"}, m{"Type": "CREDIT_DEBIT_CARD_NUMBER", "Action": "BLOCK"}})
		}, []want{{GuardrailWeakened, schemas.ElementAI, High, "content filter VIOLENCE output strength HIGH → LOW"}}},
		{"new weaker version", func(e *estate) {
			e.resources = append(e.resources, &schemas.Resource{Kind: schemas.KindGuardrail, ARN: "arn:aws:bedrock:us-east-1:444455556666:guardrail/gr1", ID: "gr1", Version: "2", Name: "support",
				Normalized: guardrailNorm("support", []any{filter("VIOLENCE", "HIGH", "HIGH")}, nil,
					[]any{m{"Type": "EMAIL", "Action": "ANONYMIZE"}, m{"Type": "CREDIT_DEBIT_CARD_NUMBER", "Action": "BLOCK"}})})
		}, []want{{GuardrailWeakened, schemas.ElementAI, High, `denied topic "investment-advice" removed`}}},
		{"PII entity removed", func(e *estate) {
			e.find(schemas.KindGuardrail, "gr1", "1").Normalized = guardrailNorm("support",
				[]any{filter("VIOLENCE", "HIGH", "HIGH"), filter("PROMPT_ATTACK", "HIGH", "NONE")},
				[]any{m{"Name": "investment-advice", "Type": "DENY", "Definition": "securities"}},
				[]any{m{"Type": "EMAIL", "Action": "ANONYMIZE"}})
		}, []want{{GuardrailWeakened, schemas.ElementPrivateData, High, "entity CREDIT_DEBIT_CARD_NUMBER removed (was BLOCK)"}}},
		{"filter strengthened", func(e *estate) {
			e.find(schemas.KindGuardrail, "gr1", "DRAFT").Normalized = guardrailNorm("support",
				[]any{filter("VIOLENCE", "HIGH", "HIGH"), filter("PROMPT_ATTACK", "HIGH", "HIGH")},
				[]any{m{"Name": "investment-advice", "Type": "DENY", "Definition": "securities"}},
				[]any{m{"Type": "EMAIL", "Action": "ANONYMIZE"}, m{"Type": "CREDIT_DEBIT_CARD_NUMBER", "Action": "BLOCK"}})
		}, []want{{GuardrailStrengthened, schemas.ElementAI, Info, "PROMPT_ATTACK output strength NONE → HIGH"}}},
		{"guardrail deleted", func(e *estate) { e.drop(schemas.KindGuardrail, "gr2") },
			[]want{{GuardrailDeleted, schemas.ElementAI, High, "entity US_SOCIAL_SECURITY_NUMBER"}}},
		{"logging deleted", func(e *estate) {
			r := e.find(schemas.KindLoggingConfig, "model-invocation-logging", "")
			r.Status, r.Normalized = "absent", `{"logging_config":null}`
		}, []want{{LoggingDisabled, schemas.ElementInvocation, Critical, "text, image data to CloudWatch Logs group /aws/bedrock/invocations"}}},
		{"logging narrowed and moved", func(e *estate) {
			e.find(schemas.KindLoggingConfig, "model-invocation-logging", "").Normalized = loggingNorm(false, true, "/tmp/elsewhere")
		}, []want{
			{LoggingNarrowed, schemas.ElementInvocation, High, "text data delivery: on → off"},
			{LoggingDestinationChanged, schemas.ElementInvocation, High, `"/aws/bedrock/invocations" → "/tmp/elsewhere"`},
		}},
		{"document added", func(e *estate) {
			e.objects = append(e.objects, &schemas.Object{Bucket: "kb-docs", Key: "faq/new.md", VersionID: "vN", IsLatest: true, SHA256: sha("new"), LedBy: kbLed, LastModified: at})
		}, []want{{ObjectAdded, schemas.ElementDataStore, High, "s3://kb-docs/faq/new.md added"}}},
		{"document overwritten", func(e *estate) {
			e.objects[1].IsLatest = false
			e.objects = append(e.objects, &schemas.Object{Bucket: "kb-docs", Key: "faq/b.md", VersionID: "v9", IsLatest: true, SHA256: sha("poison"), LedBy: kbLed, LastModified: at.Add(time.Hour)})
		}, []want{{ObjectModified, schemas.ElementDataStore, High, "sha256 " + *sha("faq/b.md") + " → " + *sha("poison")}}},
		{"document deleted", func(e *estate) { e.objects = e.objects[1:] },
			[]want{{ObjectDeleted, schemas.ElementDataStore, Medium, "s3://kb-docs/faq/a.md deleted"}}},
		{"delete marker", func(e *estate) {
			e.objects[2].IsLatest = false
			e.objects = append(e.objects, &schemas.Object{Bucket: "kb-docs", Key: "faq/c.md", VersionID: "dm", IsLatest: true, DeleteMarker: true, LedBy: kbLed, LastModified: at.Add(time.Hour)})
		}, []want{{ObjectDeleted, schemas.ElementDataStore, Medium, "delete marker"}}},
		{"history destroyed", func(e *estate) {
			e.objects[0].VersionID = "v-other"
		}, []want{
			{ObjectVersionsAdded, schemas.ElementDataStore, Medium, "1 new versions"},
			{ObjectVersionsRemoved, schemas.ElementDataStore, High, "versions removed: v0"},
		}},
		{"model weights swapped", func(e *estate) {
			e.objects[0].LedBy = "arn:aws:bedrock:us-east-1:444455556666:imported-model/im1"
			e.objects[0].SHA256 = sha("other weights")
		}, []want{{ModelArtifactChanged, schemas.ElementAI, High, "model artifact s3://kb-docs/faq/a.md modified"}}},
		{"action group added", func(e *estate) {
			e.resources = append(e.resources, &schemas.Resource{Kind: schemas.KindActionGroup, ARN: "arn:aws:bedrock:us-east-1:444455556666:agent/AG1/version/DRAFT/action-group/AGRP2", ID: "AGRP2", Version: "DRAFT", Normalized: `{"lambda":"arn:aws:lambda:us-east-1:444455556666:function:mail"}`})
			e.sources[e.resources[len(e.resources)-1]] = "bedrock.agents"
		}, []want{{ActionGroupAdded, schemas.ElementAgency, High, "action group AGRP2"}}},
		{"instruction changed", func(e *estate) {
			e.find(schemas.KindAgent, "AG1", "DRAFT").Normalized = mustJSON(m{"instruction": "Always email the refund link.", "role_arn": "arn:aws:iam::444455556666:role/agent", "prepared_at": "2026-10-01T00:00:00Z"})
		}, []want{{AgentInstructionChanged, schemas.ElementAgency, High, "Always email the refund link."}}},
		{"alias rerouted", func(e *estate) {
			e.find(schemas.KindAgentAlias, "AL1", "").Normalized = mustJSON(m{"agent_id": "AG1", "routes_to_versions": []string{"2"}, "history": []any{m{"x": 1}}})
		}, []want{{AliasRoutingChanged, schemas.ElementAgency, High, "routes to version 2 (was 1)"}}},
		{"lambda code swapped", func(e *estate) {
			e.find(schemas.KindLambdaFunction, "lookup", "$LATEST").Normalized = mustJSON(m{"code_sha256": "BBBB", "role_arn": "arn:aws:iam::444455556666:role/fn", "revision_id": "r2"})
		}, []want{{LambdaCodeChanged, schemas.ElementInfrastructure, High, "sha256 AAAA → BBBB"}}},
		{"imported model artifact", func(e *estate) {
			e.find(schemas.KindImportedModel, "im1", "").Normalized = mustJSON(m{"source_s3_uri": "s3://attacker/im1/", "architecture": "llama"})
		}, []want{{ModelArtifactChanged, schemas.ElementAI, High, "s3://attacker/im1/"}}},
		{"imported model added", func(e *estate) {
			e.resources = append(e.resources, &schemas.Resource{Kind: schemas.KindImportedModel, ARN: "arn:aws:bedrock:us-east-1:444455556666:imported-model/im2", ID: "im2", Normalized: `{}`})
		}, []want{{ModelAdded, schemas.ElementAI, High, "imported model im2"}}},
		{"role action and service", func(e *estate) {
			e.find(schemas.KindRole, "AROA1", "").Normalized = roleNorm(lambdaTrust(true), []string{"bedrock:InvokeModel", "ses:SendEmail"}, "arn:aws:bedrock:us-east-1::foundation-model/*", true)
		}, []want{{RoleBroadened, schemas.ElementAgency, High, "new service ses"}}},
		{"role wildcard resource", func(e *estate) {
			e.find(schemas.KindRole, "AROA1", "").Normalized = roleNorm(lambdaTrust(true), []string{"bedrock:InvokeModel"}, "*", true)
		}, []want{{RoleBroadened, schemas.ElementAgency, High, "wider resource for bedrock:invokemodel: *"}}},
		{"role condition lost", func(e *estate) {
			e.find(schemas.KindRole, "AROA1", "").Normalized = roleNorm(lambdaTrust(true), []string{"bedrock:InvokeModel"}, "arn:aws:bedrock:us-east-1::foundation-model/*", false)
		}, []want{{RoleBroadened, schemas.ElementAgency, High, "condition removed from bedrock:invokemodel"}}},
		{"role trust", func(e *estate) {
			e.find(schemas.KindRole, "AROA1", "").Normalized = roleNorm(lambdaTrust(false), []string{"bedrock:InvokeModel"}, "arn:aws:bedrock:us-east-1::foundation-model/*", true)
		}, []want{{RoleBroadened, schemas.ElementAccess, High, "trust: condition on principal Service:bedrock.amazonaws.com removed"}}},
		{"bucket policy changed", func(e *estate) {
			e.find(kindBucket, "kb-docs", "").Normalized = bucketNorm(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject"}]}`,
				m{"enabled": true, "mode": "GOVERNANCE", "days": 30}, true)
		}, []want{{BucketChanged, schemas.ElementDataStore, Medium, `policy: "{\"Version\":\"2012-10-17\",\"Statement\":[]}" → `}}},
		{"bucket object lock and public access block removed", func(e *estate) {
			e.find(kindBucket, "kb-docs", "").Normalized = bucketNorm(`{"Version":"2012-10-17","Statement":[]}`, nil, false)
		}, []want{{BucketChanged, schemas.ElementDataStore, High, "protection weakened: object lock removed, public access block block_public_acls lifted"}}},
		{"bucket policy unread", func(e *estate) {
			e.find(kindBucket, "kb-docs", "").Normalized = bucketNorm(nil, m{"enabled": true, "mode": "GOVERNANCE", "days": 30}, true, "policy")
		}, nil},
		{"role narrowed", func(e *estate) {
			e.find(schemas.KindRole, "AROA1", "").Normalized = roleNorm(lambdaTrust(true), []string{"bedrock:InvokeModel"}, "arn:aws:bedrock:us-east-1::foundation-model/anthropic.*", true)
		}, []want{{RoleNarrowed, schemas.ElementAccess, Low, "no longer allowed"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := baseEstate()
			tc.change(now)
			rep := diffEstates(t, baseEstate(), now)
			if len(rep.Changes) != len(tc.want) {
				t.Fatalf("%d changes, want %d:\n%s", len(rep.Changes), len(tc.want), dumpChanges(rep))
			}
			for _, w := range tc.want {
				i := slices.IndexFunc(rep.Changes, func(c Change) bool { return c.Type == w.typ })
				if i < 0 {
					t.Fatalf("no %s change:\n%s", w.typ, dumpChanges(rep))
				}
				c := rep.Changes[i]
				if c.Element != w.element || c.Severity != w.sev {
					t.Errorf("%s: element %s severity %s, want %s %s", w.typ, c.Element, c.Severity, w.element, w.sev)
				}
				if text := c.Summary + "\n" + strings.Join(c.Details, "\n"); !strings.Contains(text, w.says) {
					t.Errorf("%s does not say %q:\n%s", w.typ, w.says, text)
				}
			}
			if rep.Summary.Changes != len(rep.Changes) {
				t.Errorf("summary counts %d changes of %d", rep.Summary.Changes, len(rep.Changes))
			}
		})
	}
}

func dumpChanges(r *Report) string {
	var b strings.Builder
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "  %s %s %s: %s %v\n", c.Severity, c.Element, c.Type, c.Summary, c.Details)
	}
	return b.String()
}

// An object overwritten in the bundle is attributed to the data event that
// wrote its new version; a deleted guardrail to its DeleteGuardrail call.
func TestDiffAttributesWriters(t *testing.T) {
	now := baseEstate()
	now.objects[1].IsLatest = false
	now.objects = append(now.objects, &schemas.Object{Bucket: "kb-docs", Key: "faq/b.md", VersionID: "v9", IsLatest: true, SHA256: sha("poison"), LedBy: kbLed, LastModified: at.Add(time.Hour)})
	now.drop(schemas.KindGuardrail, "gr2")
	str := func(s string) *string { return &s }
	ro := false
	now.events = []*schemas.CloudTrailEvent{
		{EventID: "e-other", EventName: "PutObject", EventSource: "s3.amazonaws.com", EventTime: at.Add(2 * time.Hour), ReadOnly: &ro, UserIdentityARN: "arn:aws:iam::444455556666:user/someone",
			RequestParameters: str(`{"bucketName":"kb-docs","key":"faq/b.md"}`), ResponseElements: str(`{"x-amz-version-id":"v-unrelated"}`)},
		{EventID: "e-put", EventName: "PutObject", EventSource: "s3.amazonaws.com", EventTime: at.Add(time.Hour), ReadOnly: &ro, UserIdentityARN: "arn:aws:iam::444455556666:user/attacker", SourceIPAddress: "185.220.101.47",
			RequestParameters: str(`{"bucketName":"kb-docs","key":"faq/b.md"}`), ResponseElements: str(`{"x-amz-version-id":"v9"}`)},
		{EventID: "e-upd", EventName: "UpdateGuardrail", EventSource: "bedrock.amazonaws.com", EventTime: at.Add(time.Hour), ReadOnly: &ro, UserIdentityARN: "arn:aws:iam::444455556666:user/attacker",
			RequestParameters: str(`{"guardrailIdentifier":"arn:aws:bedrock:us-east-1:444455556666:guardrail/gr2"}`)},
		{EventID: "e-del", EventName: "DeleteGuardrail", EventSource: "bedrock.amazonaws.com", EventTime: at.Add(time.Minute), ReadOnly: &ro, UserIdentityARN: "arn:aws:iam::444455556666:user/attacker",
			RequestParameters: str(`{"guardrailIdentifier":"arn:aws:bedrock:us-east-1:444455556666:guardrail/gr2"}`)},
	}
	rep := diffEstates(t, baseEstate(), now)
	for typ, id := range map[string]string{ObjectModified: "e-put", GuardrailDeleted: "e-del"} {
		i := slices.IndexFunc(rep.Changes, func(c Change) bool { return c.Type == typ })
		if i < 0 {
			t.Fatalf("no %s:\n%s", typ, dumpChanges(rep))
		}
		if w := rep.Changes[i].WrittenBy; w == nil || w.EventID != id {
			t.Errorf("%s written by %+v, want event %s", typ, w, id)
		}
	}
}

// What one bundle did not collect is not drift: a unit the bundle holds
// as a gap, or a source only the baseline ran.
func TestDiffScope(t *testing.T) {
	now := baseEstate()
	now.drop(schemas.KindRole, "AROA1")
	now.gaps = []schemas.Gap{{Unit: schemas.Unit{Source: "iam.roles", ID: "u-" + schemas.KindRole, Target: schemas.Target{Account: acct, Region: region}}, Cause: "AccessDenied", Time: at}}
	rep := diffEstates(t, baseEstate(), now)
	if rep.Drifted() {
		t.Fatalf("a gap was reported as drift:\n%s", dumpChanges(rep))
	}
	if !slices.ContainsFunc(rep.NotCompared, func(s string) bool { return strings.Contains(s, "gap") }) {
		t.Errorf("the gap is not listed as not compared: %v", rep.NotCompared)
	}
	// Without the gap, the same absence is a deletion.
	now.gaps = nil
	rep = diffEstates(t, baseEstate(), now)
	if len(rep.Changes) != 1 || rep.Changes[0].Type != RoleDeleted {
		t.Fatalf("want one role-deleted:\n%s", dumpChanges(rep))
	}
}

func TestWriteFormats(t *testing.T) {
	now := baseEstate()
	now.drop(schemas.KindGuardrail, "gr2")
	rep := diffEstates(t, baseEstate(), now)
	for _, f := range Formats() {
		var b strings.Builder
		if err := Write(&b, rep, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !strings.Contains(b.String(), GuardrailDeleted) {
			t.Errorf("%s output does not name the change:\n%s", f, b.String())
		}
	}
	var back Report
	var b strings.Builder
	if err := Write(&b, rep, FormatJSON); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatal(err)
	}
	if back.Changes[0].Severity != High || back.MediaType != MediaType {
		t.Errorf("JSON round trip: %+v", back.Changes[0])
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		ok   bool
	}{
		{"*", "anything", true}, {"s3:get*", "s3:getobject", true}, {"s3:get*", "s3:putobject", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x", true}, {"a?c", "abc", true}, {"a?c", "ac", false}, {"", "", true},
	} {
		if got := glob(tc.p, tc.s); got != tc.ok {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestScopeWhy(t *testing.T) {
	s := newScope(&archive.Manifest{
		Sources: []schemas.SourceInfo{{Name: "iam.roles"}},
		Targets: []schemas.TargetInfo{{Account: acct, Regions: []string{region}}},
		Gaps:    []archive.GapInfo{{Source: "iam.roles", Account: acct, Region: region, Unit: "role/x"}},
	})
	for _, tc := range []struct{ source, account, region, unit, want string }{
		{"iam.roles", acct, region, "role/y", ""},
		{"bedrock.config", acct, region, "guardrails", ""},
		{"iam.roles", acct, region, "role/x", "the bundle holds it as a gap"},
		{"iam.roles", "999999999999", region, "role/y", "not a target of the bundle"},
	} {
		if got := s.why("bundle", tc.source, tc.account, tc.region, tc.unit); !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("why(%s %s %s) = %q, want %q", tc.source, tc.account, tc.unit, got, tc.want)
		}
	}
}
