package bedrockconf_test

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/bedrockconf"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// Custom models with their training data and hyper parameters, imported
// models with their source, customization jobs, provisioned throughput,
// and every foundation model with the account's access to it round-trip
// from the scenario, over the wire.
func TestModelsJobsThroughputAndAccess(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	sink := l.Run(t, &bedrockconf.Config{Client: func(t collect.Target) (bedrockconf.API, error) { return l.Bedrock(t), nil }})
	rows := map[string]*schemas.Resource{}
	for _, r := range sink.Resources {
		rows[r.Kind+" "+r.ARN] = r
	}
	norm := func(r *schemas.Resource, into any) {
		t.Helper()
		if err := json.Unmarshal([]byte(r.Normalized), into); err != nil {
			t.Fatalf("%s %s: %v", r.Kind, r.ARN, err)
		}
	}
	var want struct{ custom, imported, jobs, throughput, access int }
	for _, acct := range sc.Accounts() {
		for region, reg := range sc.Account(acct).Regions {
			for _, m := range reg.CustomModels {
				want.custom++
				r := rows[schemas.KindCustomModel+" "+m.ModelARN]
				if r == nil {
					t.Errorf("custom model %s not snapshot", m.ModelARN)
					continue
				}
				var n struct {
					JobARN          string                 `json:"job_arn"`
					HyperParameters map[string]string      `json:"hyper_parameters"`
					Training        struct{ S3Uri string } `json:"training_data"`
					Output          struct{ S3Uri string } `json:"output_data"`
				}
				norm(r, &n)
				if r.Name != m.ModelName || r.Status != m.ModelStatus || !r.CreatedAt.Equal(m.CreationTime) || n.JobARN != m.JobARN ||
					!maps.Equal(n.HyperParameters, m.HyperParameters) || n.Training.S3Uri != m.TrainingDataConfig.S3URI || n.Output.S3Uri != m.OutputDataConfig.S3URI {
					t.Errorf("custom model %s = %+v %+v", m.ModelARN, r, n)
				}
			}
			for _, m := range reg.ImportedModels {
				want.imported++
				r := rows[schemas.KindImportedModel+" "+m.ModelARN]
				var n struct {
					Source string `json:"source_s3_uri"`
				}
				if r != nil {
					norm(r, &n)
				}
				if r == nil || r.Name != m.ModelName || n.Source != m.ArtifactS3URI {
					t.Errorf("imported model %s = %+v, source %q", m.ModelARN, r, n.Source)
				}
			}
			for _, j := range reg.CustomizationJobs {
				want.jobs++
				r := rows[schemas.KindCustomizationJob+" "+j.JobARN]
				if r == nil || r.Name != j.JobName || r.Status != j.Status || !r.CreatedAt.Equal(j.CreationTime) {
					t.Errorf("customization job %s = %+v", j.JobARN, r)
					continue
				}
				var n struct {
					Role            string                 `json:"role_arn"`
					HyperParameters map[string]string      `json:"hyper_parameters"`
					Training        struct{ S3Uri string } `json:"training_data"`
					Output          struct{ S3Uri string } `json:"output_data"`
					Failure         string                 `json:"failure_message"`
				}
				norm(r, &n)
				if n.Role != j.RoleARN || !maps.Equal(n.HyperParameters, j.HyperParameters) || n.Training.S3Uri != j.TrainingDataConfig.S3URI ||
					n.Output.S3Uri != j.OutputDataConfig.S3URI || n.Failure != j.FailureMessage {
					t.Errorf("customization job %s = %+v", j.JobARN, n)
				}
				var raw struct{ JobArn, RoleArn string }
				if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil || raw.JobArn != j.JobARN || raw.RoleArn != j.RoleARN {
					t.Errorf("customization job %s: raw %q is not AWS's answer", j.JobARN, r.Raw)
				}
			}
			for _, p := range reg.ProvisionedThroughputs {
				want.throughput++
				r := rows[schemas.KindProvisionedThroughput+" "+p.ProvisionedModelARN]
				if r == nil || r.Status != p.Status || r.Name != p.ProvisionedModelName {
					t.Errorf("provisioned throughput %s = %+v", p.ProvisionedModelARN, r)
				}
			}
			for _, a := range reg.ModelAccess {
				want.access++
				arn := "arn:aws:bedrock:" + region + "::foundation-model/" + a.ModelID
				found := false
				for _, r := range sink.Kind(schemas.KindModelAvailability) {
					if r.ARN != arn || r.Status != a.AuthorizationStatus {
						continue
					}
					var n struct {
						Agreement string `json:"agreement"`
					}
					norm(r, &n)
					found = found || n.Agreement == a.AgreementAvailability.Status
				}
				if !found {
					t.Errorf("%s/%s: no availability row %s with %s, %s", acct, region, a.ModelID, a.AuthorizationStatus, a.AgreementAvailability.Status)
				}
			}
		}
	}
	if want.custom == 0 || want.imported == 0 || want.jobs == 0 || want.throughput == 0 || want.access == 0 {
		t.Fatalf("the scenario lacks something to snapshot: %+v", want)
	}
	models := len(sc.FoundationModels) * len(l.Targets)
	for kind, n := range map[string]int{
		schemas.KindCustomModel: want.custom, schemas.KindImportedModel: want.imported, schemas.KindCustomizationJob: want.jobs,
		schemas.KindProvisionedThroughput: want.throughput, schemas.KindFoundationModel: models, schemas.KindModelAvailability: models,
	} {
		if got := len(sink.Kind(kind)); got != n {
			t.Errorf("%d %s rows, want %d", got, kind, n)
		}
	}
}
