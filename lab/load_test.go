package lab

import (
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestLoadedScenarioServed(t *testing.T) {
	sc, err := LoadScenario("testdata/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Accounts(); !slices.Equal(got, []string{"210987654321", "109876543210"}) {
		t.Fatalf("accounts = %v", got)
	}
	if got := sc.Regions(); !slices.Equal(got, []string{"us-east-1", "us-west-2"}) {
		t.Fatalf("regions = %v", got)
	}
	since, until := sc.Window()
	if !since.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) || !until.Equal(time.Date(2026, 3, 2, 10, 41, 1, 0, time.UTC)) {
		t.Fatalf("window = %v .. %v", since, until)
	}
	s, url := startLab(t, Options{Scenario: sc, NoQuotas: true})
	if r := s.Responder(); r.ARN != "arn:aws:iam::210987654321:user/drill-responder" {
		t.Fatalf("responder = %+v", r)
	}
	ctx := context.Background()
	cfg, _ := memberConfig(t, s, url, "109876543210", "us-west-2")
	out, err := cloudtrail.NewFromConfig(cfg).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 || aws.ToString(out.Events[0].EventName) != "DeleteModelInvocationLoggingConfiguration" {
		t.Fatalf("events = %+v", out.Events)
	}
	g, err := bedrock.NewFromConfig(cfg).GetGuardrail(ctx, &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String("grdrill00001"), GuardrailVersion: aws.String("1")})
	if err != nil || g.ContentPolicy.Filters[0].InputStrength != "HIGH" {
		t.Fatalf("guardrail = %+v, %v", g, err)
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	obj, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("drill-kb-docs-109876543210"), Key: aws.String("faq/returns.md")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	if aws.ToString(obj.VersionId) != "v2.drill.bbbbbbbbbbbbbbbbbbbbbbbbbb" || len(b) == 0 {
		t.Fatalf("current version = %s", aws.ToString(obj.VersionId))
	}
}

func TestLoadScenarioRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"no accounts":    `{"accounts": []}`,
		"bad id":         `{"accounts": [{"id": "12"}]}`,
		"duplicate":      `{"accounts": [{"id": "111111111111"}, {"id": "111111111111"}]}`,
		"unknown mgmt":   `{"organization": {"managementAccount": "222222222222"}, "accounts": [{"id": "111111111111"}]}`,
		"bad event":      `{"accounts": [{"id": "111111111111", "regions": {"us-east-1": {"events": [{"eventName": "X"}]}}}]}`,
		"repeated event": `{"accounts": [{"id": "111111111111", "regions": {"us-east-1": {"events": [` + ev1 + `,` + ev1 + `]}}}]}`,
		"not json":       `{`,
	} {
		path := t.TempDir() + "/s.json"
		if err := writeFile(path, doc); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadScenario(path); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

const ev1 = `{"eventID": "6f1c3f5a-2d7e-4f55-8a8e-0c2b7f1d9e09", "eventTime": "2026-03-02T10:00:00Z", "eventName": "ListAccounts"}`

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
