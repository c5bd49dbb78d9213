package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// memberConfig assumes OrganizationAccountAccessRole in account and
// returns a recording configuration for it.
func memberConfig(t *testing.T, s *Server, url, account, region string) (aws.Config, *recorder) {
	t.Helper()
	rec := &recorder{}
	r := s.Responder()
	cfg := sdkConfig(url, r, region, false)
	cfg.HTTPClient = &http.Client{Transport: rec}
	if account == r.Account {
		return cfg, rec
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("roundtrip"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	cfg = sdkConfig(url, Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}, region, false)
	cfg.HTTPClient = &http.Client{Transport: rec}
	return cfg, rec
}

func TestRoundTripBedrock(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	for _, acct := range []string{ProdAccount, DevAccount} {
		for _, region := range builtinRegions {
			cfg, rec := memberConfig(t, s, url, acct, region)
			br := bedrock.NewFromConfig(cfg)
			data := s.Scenario().region(acct, region)
			where := acct + "/" + region + " "

			lg, err := br.ListGuardrails(ctx, &bedrock.ListGuardrailsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListGuardrails", rec.body(), lg)
			if len(lg.Guardrails) != len(data.Guardrails) {
				t.Errorf("%sListGuardrails: %d, want %d", where, len(lg.Guardrails), len(data.Guardrails))
			}
			for _, g := range data.Guardrails {
				lv, err := br.ListGuardrails(ctx, &bedrock.ListGuardrailsInput{GuardrailIdentifier: aws.String(g.ARN)})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, where+"ListGuardrails "+g.ID, rec.body(), lv)
				if len(lv.Guardrails) != len(g.Versions) {
					t.Errorf("%sguardrail %s: %d versions listed, want %d", where, g.ID, len(lv.Guardrails), len(g.Versions))
				}
				for _, v := range g.Versions {
					gv, err := br.GetGuardrail(ctx, &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String(g.ID), GuardrailVersion: aws.String(v.Version)})
					if err != nil {
						t.Fatal(err)
					}
					arrived(t, where+"GetGuardrail "+g.ID+" "+v.Version, rec.body(), gv)
					if aws.ToString(gv.Version) != v.Version || !gv.UpdatedAt.Equal(v.UpdatedAt) || !gv.CreatedAt.Equal(v.CreatedAt) {
						t.Errorf("%sGetGuardrail %s %s: version %s updated %v", where, g.ID, v.Version, aws.ToString(gv.Version), gv.UpdatedAt)
					}
					if v.ContentPolicy != nil && string(gv.ContentPolicy.Filters[0].InputStrength) != v.ContentPolicy.Filters[0].InputStrength {
						t.Errorf("%sGetGuardrail %s %s: strength %s", where, g.ID, v.Version, gv.ContentPolicy.Filters[0].InputStrength)
					}
				}
			}

			cm, err := br.ListCustomModels(ctx, &bedrock.ListCustomModelsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListCustomModels", rec.body(), cm)
			for _, m := range data.CustomModels {
				out, err := br.GetCustomModel(ctx, &bedrock.GetCustomModelInput{ModelIdentifier: aws.String(m.ModelARN)})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, where+"GetCustomModel", rec.body(), out)
			}
			im, err := br.ListImportedModels(ctx, &bedrock.ListImportedModelsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListImportedModels", rec.body(), im)
			for _, m := range data.ImportedModels {
				out, err := br.GetImportedModel(ctx, &bedrock.GetImportedModelInput{ModelIdentifier: aws.String(m.ModelARN)})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, where+"GetImportedModel", rec.body(), out)
			}
			jobs, err := br.ListModelCustomizationJobs(ctx, &bedrock.ListModelCustomizationJobsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListModelCustomizationJobs", rec.body(), jobs)
			if len(jobs.ModelCustomizationJobSummaries) != len(data.CustomizationJobs) {
				t.Errorf("%sjobs: %d", where, len(jobs.ModelCustomizationJobSummaries))
			}
			for _, j := range data.CustomizationJobs {
				out, err := br.GetModelCustomizationJob(ctx, &bedrock.GetModelCustomizationJobInput{JobIdentifier: aws.String(j.JobARN)})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, where+"GetModelCustomizationJob", rec.body(), out)
			}
			pt, err := br.ListProvisionedModelThroughputs(ctx, &bedrock.ListProvisionedModelThroughputsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListProvisionedModelThroughputs", rec.body(), pt)
			fm, err := br.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"ListFoundationModels", rec.body(), fm)
			for _, m := range fm.ModelSummaries {
				av, err := br.GetFoundationModelAvailability(ctx, &bedrock.GetFoundationModelAvailabilityInput{ModelId: m.ModelId})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, where+"GetFoundationModelAvailability", rec.body(), av)
				if av.AuthorizationStatus == "" || av.AgreementAvailability == nil || av.AgreementAvailability.Status == "" {
					t.Errorf("%savailability of %s: %+v", where, aws.ToString(m.ModelId), av)
				}
			}
			gf, err := br.GetFoundationModel(ctx, &bedrock.GetFoundationModelInput{ModelIdentifier: fm.ModelSummaries[0].ModelId})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"GetFoundationModel", rec.body(), gf)
			lc, err := br.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, where+"GetModelInvocationLoggingConfiguration", rec.body(), lc)
			if (lc.LoggingConfig != nil) != (data.LoggingConfig != nil) {
				t.Errorf("%slogging config: %+v", where, lc.LoggingConfig)
			}
		}
	}
}

func TestRoundTripBeforeIncident(t *testing.T) {
	s, url := startLab(t, Options{Scenario: builtinBefore(), NoQuotas: true})
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	br := bedrock.NewFromConfig(cfg)
	lc, err := br.GetModelInvocationLoggingConfiguration(context.Background(), &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetModelInvocationLoggingConfiguration", rec.body(), lc)
	if lc.LoggingConfig == nil || lc.LoggingConfig.CloudWatchConfig == nil || aws.ToString(lc.LoggingConfig.CloudWatchConfig.LogGroupName) != invocationLogGroup {
		t.Fatalf("logging config = %+v", lc.LoggingConfig)
	}
	g, err := br.GetGuardrail(context.Background(), &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String(GuardrailPIIID), GuardrailVersion: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetGuardrail", rec.body(), g)
}

func TestRoundTripKMS(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	for _, acct := range []string{ManagementAccount, ProdAccount} {
		cfg, rec := memberConfig(t, s, url, acct, "us-east-1")
		k := kms.NewFromConfig(cfg)
		pub, err := k.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String("alias/custody-signing")})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetPublicKey", rec.body(), pub)
		pk, err := x509.ParsePKIXPublicKey(pub.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("custody manifest")
		sig, err := k.Sign(ctx, &kms.SignInput{KeyId: pub.KeyId, Message: msg, MessageType: kmstypes.MessageTypeRaw, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "Sign", rec.body(), sig)
		d := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(pk.(*ecdsa.PublicKey), d[:], sig.Signature) {
			t.Fatalf("%s: KMS signature does not verify with GetPublicKey's key", acct)
		}
		dk, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: pub.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "DescribeKey", rec.body(), dk)
		al, err := k.ListAliases(ctx, &kms.ListAliasesInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListAliases", rec.body(), al)
		lk, err := k.ListKeys(ctx, &kms.ListKeysInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListKeys", rec.body(), lk)
		v, err := k.Verify(ctx, &kms.VerifyInput{KeyId: pub.KeyId, Message: d[:], MessageType: kmstypes.MessageTypeDigest, Signature: sig.Signature, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		if err != nil || !v.SignatureValid {
			t.Fatalf("verify: %v %+v", err, v)
		}
	}
}

func TestRoundTripCloudTrailAndOrganizations(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ManagementAccount, "us-east-1")
	ct := cloudtrail.NewFromConfig(cfg)
	since, until := s.Scenario().Window()
	le, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(since), EndTime: aws.Time(until)})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "LookupEvents", rec.body(), le)
	dt, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "DescribeTrails", rec.body(), dt)
	for _, tr := range dt.TrailList {
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetTrailStatus", rec.body(), st)
		es, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: tr.TrailARN})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetEventSelectors", rec.body(), es)
		gt, err := ct.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: tr.Name})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetTrail", rec.body(), gt)
	}
	lt, err := ct.ListTrails(ctx, &cloudtrail.ListTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListTrails", rec.body(), lt)
	pk, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListPublicKeys", rec.body(), pk)

	// A member account's trail has advanced selectors.
	mcfg, mrec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	es, err := cloudtrail.NewFromConfig(mcfg).GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("management-events")})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetEventSelectors advanced", mrec.body(), es)
	if len(es.AdvancedEventSelectors) != 1 {
		t.Fatalf("advanced selectors = %+v", es)
	}

	org := organizations.NewFromConfig(cfg)
	la, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListAccounts", rec.body(), la)
	da, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(ProdAccount)})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "DescribeAccount", rec.body(), da)
	do, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "DescribeOrganization", rec.body(), do)
	if !la.Accounts[0].JoinedTimestamp.Equal(s.Scenario().AccountList[0].Joined) {
		t.Errorf("joined = %v", la.Accounts[0].JoinedTimestamp)
	}
	_ = time.Second
}
