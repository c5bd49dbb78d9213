package lab

import (
	"fmt"
	"strings"
	"time"
)

// Fixed ids of the built-in scenario's Bedrock resources in genai-prod,
// us-east-1.
const (
	GuardrailSupportID = "gr7k2m9x4q1p" // weakened during the incident (version 3)
	GuardrailPIIID     = "grp4t8w2n6v0" // deleted during the incident
	invocationLogGroup = "/aws/bedrock/modelinvocations"
)

func foundationModels() []*FoundationModel {
	text := []string{"TEXT"}
	type fm struct{ id, name, provider string }
	var out []*FoundationModel
	for _, f := range []fm{
		{"anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "Anthropic"},
		{"anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet", "Anthropic"},
		{"anthropic.claude-3-opus-20240229-v1:0", "Claude 3 Opus", "Anthropic"},
		{"anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "Anthropic"},
		{"amazon.titan-text-express-v1", "Titan Text G1 - Express", "Amazon"},
		{"amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2", "Amazon"},
		{"amazon.nova-lite-v1:0", "Nova Lite", "Amazon"},
		{"amazon.nova-pro-v1:0", "Nova Pro", "Amazon"},
		{"meta.llama3-1-70b-instruct-v1:0", "Llama 3.1 70B Instruct", "Meta"},
		{"mistral.mistral-large-2407-v1:0", "Mistral Large (24.07)", "Mistral AI"},
		{"cohere.command-r-plus-v1:0", "Command R+", "Cohere"},
	} {
		model := &FoundationModel{
			ModelID: f.id, ModelName: f.name, ProviderName: f.provider,
			InputModalities: text, OutputModalities: text, ResponseStreamingSupported: true,
			CustomizationsSupported: []string{}, InferenceTypesSupported: []string{"ON_DEMAND"},
			ModelLifecycle: &ModelLifecycle{Status: "ACTIVE"},
		}
		switch f.id {
		case "amazon.titan-embed-text-v2:0":
			model.OutputModalities = []string{"EMBEDDING"}
			model.ResponseStreamingSupported = false
		case "amazon.titan-text-express-v1":
			model.CustomizationsSupported = []string{"FINE_TUNING", "CONTINUED_PRE_TRAINING"}
			model.InferenceTypesSupported = []string{"ON_DEMAND", "PROVISIONED"}
		case "anthropic.claude-3-opus-20240229-v1:0":
			model.ModelLifecycle.Status = "LEGACY"
		case "anthropic.claude-3-haiku-20240307-v1:0":
			model.CustomizationsSupported = []string{"FINE_TUNING", "DISTILLATION"}
		}
		out = append(out, model)
	}
	return out
}

// contentFilters are the six content filters at a strength; the prompt-attack
// filter applies to input only.
func contentFilters(strength, promptAttack string) []GuardrailContentFilter {
	var out []GuardrailContentFilter
	for _, t := range []string{"SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"} {
		in, outS := strength, strength
		if t == "PROMPT_ATTACK" {
			in, outS = promptAttack, "NONE"
		}
		out = append(out, GuardrailContentFilter{
			Type: t, InputStrength: in, OutputStrength: outS,
			InputModalities: []string{"TEXT"}, OutputModalities: []string{"TEXT"},
			InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true),
		})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// supportGuardrail is a version of the customer-support guardrail; weak
// versions are what the attacker left.
func supportGuardrail(account, version string, created, updated time.Time, weak bool) *GuardrailVersion {
	strength, attack, threshold := "HIGH", "HIGH", 0.85
	desc := "Guardrail of the customer support assistant"
	if weak {
		strength, attack, threshold = "LOW", "NONE", 0.1
		desc = "Guardrail of the customer support assistant (tuned for fewer false positives)"
	}
	return &GuardrailVersion{
		Name:        "customer-support-guardrail",
		ID:          GuardrailSupportID,
		ARN:         "arn:aws:bedrock:us-east-1:" + account + ":guardrail/" + GuardrailSupportID,
		Version:     version,
		Description: desc,
		Status:      "READY",
		TopicPolicy: &GuardrailTopicPolicy{Topics: []GuardrailTopic{{
			Name: "investment-advice", Definition: "Recommendations about buying, selling or holding securities or other investments.",
			Examples: []string{"Should I buy shares of ACME?"}, Type: "DENY",
			InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true),
		}}, Tier: &GuardrailTier{TierName: "CLASSIC"}},
		ContentPolicy: &GuardrailContentPolicy{Filters: contentFilters(strength, attack), Tier: &GuardrailTier{TierName: "CLASSIC"}},
		WordPolicy: &GuardrailWordPolicy{
			Words:            []GuardrailWord{{Text: "internal-only", InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true)}},
			ManagedWordLists: []GuardrailManagedWord{{Type: "PROFANITY", InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true)}},
		},
		SensitiveInformationPolicy: &GuardrailSensitivePolicy{
			PIIEntities: []GuardrailPIIEntity{
				{Type: "EMAIL", Action: "ANONYMIZE", InputAction: "ANONYMIZE", OutputAction: "ANONYMIZE", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
				{Type: "CREDIT_DEBIT_CARD_NUMBER", Action: "BLOCK", InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
			},
			Regexes: []GuardrailRegex{{
				Name: "order-id", Description: "Internal order numbers", Pattern: `ORD-[0-9]{8}`, Action: "ANONYMIZE",
				InputAction: "ANONYMIZE", OutputAction: "ANONYMIZE", InputEnabled: ptr(true), OutputEnabled: ptr(true),
			}},
		},
		ContextualGroundingPolicy: &GuardrailGroundingPolicy{Filters: []GuardrailGroundingFilter{
			{Type: "GROUNDING", Threshold: threshold, Action: "BLOCK", Enabled: ptr(true)},
			{Type: "RELEVANCE", Threshold: threshold, Action: "BLOCK", Enabled: ptr(true)},
		}},
		CrossRegionDetails: &GuardrailCrossRegionDetail{
			GuardrailProfileID:  "us.guardrail.v1:0",
			GuardrailProfileARN: "arn:aws:bedrock:us-east-1:" + account + ":guardrail-profile/us.guardrail.v1:0",
		},
		CreatedAt:               created,
		UpdatedAt:               updated,
		BlockedInputMessaging:   "Sorry, I can't help with that request.",
		BlockedOutputsMessaging: "Sorry, I can't share that.",
		KMSKeyARN:               "arn:aws:kms:us-east-1:" + account + ":key/" + guardrailKeyID,
	}
}

const guardrailKeyID = "0b7e2c1a-4f3d-4e8a-9c61-2d5f8a7b3e90"

// piiGuardrail is a version of the PII-redaction guardrail.
func piiGuardrail(account, region, id, name, version string, created time.Time) *GuardrailVersion {
	return &GuardrailVersion{
		Name: name, ID: id, ARN: "arn:aws:bedrock:" + region + ":" + account + ":guardrail/" + id,
		Version: version, Description: "Redacts personal data in prompts and completions", Status: "READY",
		ContentPolicy: &GuardrailContentPolicy{Filters: contentFilters("MEDIUM", "HIGH")},
		SensitiveInformationPolicy: &GuardrailSensitivePolicy{PIIEntities: []GuardrailPIIEntity{
			{Type: "NAME", Action: "ANONYMIZE", InputAction: "ANONYMIZE", OutputAction: "ANONYMIZE", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
			{Type: "PHONE", Action: "ANONYMIZE", InputAction: "ANONYMIZE", OutputAction: "ANONYMIZE", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
			{Type: "US_SOCIAL_SECURITY_NUMBER", Action: "BLOCK", InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
			{Type: "AWS_SECRET_KEY", Action: "BLOCK", InputAction: "BLOCK", OutputAction: "BLOCK", InputEnabled: ptr(true), OutputEnabled: ptr(true)},
		}},
		CreatedAt: created, UpdatedAt: created,
		BlockedInputMessaging: "This request contains personal data that cannot be processed.", BlockedOutputsMessaging: "The response was withheld because it contained personal data.",
	}
}

// guardrail assembles a guardrail from its versions.
func guardrail(versions ...*GuardrailVersion) *Guardrail {
	return &Guardrail{ID: versions[0].ID, ARN: versions[0].ARN, Versions: versions}
}

// bedrockResources gives a workload account its Bedrock configuration.
func (g *gen) bedrockResources(a *Account, prod bool) {
	use := a.Regions["us-east-1"]
	base := g.at(-120 * 24 * time.Hour)
	for _, region := range builtinRegions {
		r := a.Regions[region]
		for _, id := range []string{"anthropic.claude-3-haiku-20240307-v1:0", "amazon.titan-embed-text-v2:0", "amazon.nova-lite-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"} {
			r.ModelAccess = append(r.ModelAccess, modelAccess(id, true))
		}
		for _, id := range []string{"anthropic.claude-3-opus-20240229-v1:0", "anthropic.claude-3-7-sonnet-20250219-v1:0", "meta.llama3-1-70b-instruct-v1:0"} {
			r.ModelAccess = append(r.ModelAccess, modelAccess(id, false))
		}
	}
	if !prod {
		use.Guardrails = append(use.Guardrails, guardrail(piiGuardrail(a.ID, "us-east-1", "grd3v5x7z9b1", "dev-test-guardrail", "DRAFT", base)))
		devData := "s3://" + devTrainingBucket(a, base) + "/tone-experiment/"
		use.CustomizationJobs = append(use.CustomizationJobs, &CustomizationJob{
			JobARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":model-customization-job/amazon.titan-text-express-v1:0:8k/devjob0001", JobName: "tone-experiment-1",
			BaseModelARN: "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k", Status: "Failed",
			CustomizationType: "FINE_TUNING", CreationTime: base.Add(5 * 24 * time.Hour), LastModifiedTime: ptr(base.Add(5*24*time.Hour + time.Hour)), EndTime: ptr(base.Add(5*24*time.Hour + time.Hour)),
			RoleARN: customizationRoleARN(a.ID), HyperParameters: map[string]string{"epochCount": "1", "batchSize": "1", "learningRate": "0.0001"},
			TrainingDataConfig: &TrainingDataConfig{S3URI: devData + "train.jsonl"}, ValidationDataConfig: &ValidationConfig{Validators: []S3URIConfig{}},
			OutputDataConfig: &S3URIConfig{S3URI: devData + "output/"}, FailureMessage: "Training data file has invalid format: line 3 is not a JSON object.",
		})
		return
	}
	v1 := base.Add(24 * time.Hour)
	v2 := base.Add(60 * 24 * time.Hour)
	use.Guardrails = append(use.Guardrails,
		guardrail(
			supportGuardrail(a.ID, "DRAFT", v1, v2, false),
			supportGuardrail(a.ID, "1", v1, v1, false),
			supportGuardrail(a.ID, "2", v2, v2, false),
		),
		guardrail(
			piiGuardrail(a.ID, "us-east-1", GuardrailPIIID, "pii-redaction-guardrail", "DRAFT", v1),
			piiGuardrail(a.ID, "us-east-1", GuardrailPIIID, "pii-redaction-guardrail", "1", v1),
		),
	)
	eu := a.Regions["eu-west-1"]
	eu.Guardrails = append(eu.Guardrails, guardrail(
		piiGuardrail(a.ID, "eu-west-1", "gre2u4w6y8a0", "eu-support-guardrail", "DRAFT", v1),
		piiGuardrail(a.ID, "eu-west-1", "gre2u4w6y8a0", "eu-support-guardrail", "1", v1),
	))

	jobTime := base.Add(30 * 24 * time.Hour)
	modelARN := "arn:aws:bedrock:us-east-1:" + a.ID + ":custom-model/amazon.titan-text-express-v1:0:8k/x7hq2m4v9k1s"
	jobARN := "arn:aws:bedrock:us-east-1:" + a.ID + ":model-customization-job/amazon.titan-text-express-v1:0:8k/p3n8r5t1w6z2"
	baseARN := "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k"
	training := "s3://" + trainingBucketName() + "/support-tone/"
	use.CustomModels = append(use.CustomModels, &CustomModel{
		ModelARN: modelARN, ModelName: "support-tone-ft-v2", JobName: "support-tone-ft-v2-job", JobARN: jobARN,
		BaseModelARN: baseARN, BaseModelName: "Titan Text G1 - Express", CustomizationType: "FINE_TUNING",
		ModelKMSKeyARN:       "arn:aws:kms:us-east-1:" + a.ID + ":key/" + guardrailKeyID,
		HyperParameters:      map[string]string{"epochCount": "2", "batchSize": "1", "learningRate": "0.00001"},
		TrainingDataConfig:   &TrainingDataConfig{S3URI: training + "train.jsonl"},
		ValidationDataConfig: &ValidationConfig{Validators: []S3URIConfig{{S3URI: training + "validation.jsonl"}}},
		OutputDataConfig:     &S3URIConfig{S3URI: training + "output/"},
		TrainingMetrics:      &TrainingMetrics{TrainingLoss: 0.4213},
		ValidationMetrics:    []ValidatorMetric{{ValidationLoss: 0.5117}},
		CreationTime:         jobTime, ModelStatus: "Active",
	})
	use.CustomizationJobs = append(use.CustomizationJobs,
		&CustomizationJob{
			JobARN: jobARN, JobName: "support-tone-ft-v2-job", BaseModelARN: baseARN, Status: "Completed",
			CustomModelARN: modelARN, CustomModelName: "support-tone-ft-v2", CustomizationType: "FINE_TUNING",
			CreationTime: jobTime, LastModifiedTime: ptr(jobTime.Add(3 * time.Hour)), EndTime: ptr(jobTime.Add(3 * time.Hour)),
			RoleARN: customizationRoleARN(a.ID), HyperParameters: map[string]string{"epochCount": "2", "batchSize": "1", "learningRate": "0.00001"},
			TrainingDataConfig:   &TrainingDataConfig{S3URI: training + "train.jsonl"},
			ValidationDataConfig: &ValidationConfig{Validators: []S3URIConfig{{S3URI: training + "validation.jsonl"}}},
			OutputDataConfig:     &S3URIConfig{S3URI: training + "output/"},
		},
		&CustomizationJob{
			JobARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":model-customization-job/amazon.titan-text-express-v1:0:8k/k9d2f4h6j8l0", JobName: "support-tone-ft-v1-job",
			BaseModelARN: baseARN, Status: "Failed", CustomizationType: "FINE_TUNING",
			CreationTime: jobTime.Add(-9 * 24 * time.Hour), LastModifiedTime: ptr(jobTime.Add(-9*24*time.Hour + 40*time.Minute)), EndTime: ptr(jobTime.Add(-9*24*time.Hour + 40*time.Minute)),
			RoleARN: customizationRoleARN(a.ID), HyperParameters: map[string]string{"epochCount": "5", "batchSize": "1", "learningRate": "0.0001"},
			TrainingDataConfig:   &TrainingDataConfig{S3URI: training + "train.jsonl"},
			ValidationDataConfig: &ValidationConfig{Validators: []S3URIConfig{{S3URI: training + "validation.jsonl"}}},
			// The first attempt wrote its output over its own data.
			OutputDataConfig: &S3URIConfig{S3URI: training},
			FailureMessage:   "The training job exceeded the service quota for model units.",
		},
	)
	use.ImportedModels = append(use.ImportedModels, &ImportedModel{
		ModelARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":imported-model/m4q8s2u6w0y3", ModelName: "llama-support-distilled",
		CreationTime: base.Add(70 * 24 * time.Hour), InstructSupported: true, ModelArchitecture: "llama3",
		ArtifactS3URI: "s3://" + trainingBucketName() + "/imported/llama-support-distilled/",
	})
	use.ProvisionedThroughputs = append(use.ProvisionedThroughputs, &ProvisionedThroughput{
		ProvisionedModelName: "support-tone-pt", ProvisionedModelARN: "arn:aws:bedrock:us-east-1:" + a.ID + ":provisioned-model/b5c7e9g1i3k5",
		ModelARN: modelARN, DesiredModelARN: modelARN, FoundationModelARN: baseARN, ModelUnits: 1, DesiredModelUnits: 1,
		Status: "InService", CommitmentDuration: "OneMonth", CommitmentExpirationTime: ptr(g.at(20 * 24 * time.Hour)),
		CreationTime: g.at(-10 * 24 * time.Hour), LastModifiedTime: g.at(-10 * 24 * time.Hour),
	})
	use.LoggingConfig = &LoggingConfig{
		CloudWatchConfig: &CloudWatchConfig{
			LogGroupName:              invocationLogGroup,
			RoleARN:                   "arn:aws:iam::" + a.ID + ":role/service-role/BedrockInvocationLoggingRole",
			LargeDataDeliveryS3Config: &S3Config{BucketName: "genai-invocation-large-" + a.ID, KeyPrefix: "large/"},
		},
		TextDataDeliveryEnabled: true, ImageDataDeliveryEnabled: true, EmbeddingDataDeliveryEnabled: false,
	}
}

func modelAccess(id string, granted bool) *ModelAccess {
	ma := &ModelAccess{ModelID: id, EntitlementAvailability: "AVAILABLE", RegionAvailability: "AVAILABLE"}
	if granted {
		ma.AgreementAvailability.Status = "AVAILABLE"
		ma.AuthorizationStatus = "AUTHORIZED"
	} else {
		ma.AgreementAvailability.Status = "NOT_AVAILABLE"
		ma.AuthorizationStatus = "NOT_AUTHORIZED"
	}
	return ma
}

// customizationRoleARN is the role an account's model customization jobs
// run as.
func customizationRoleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/service-role/" + customizationRole
}

const customizationRole = "AmazonBedrockModelCustomizationRole"

// devTrainingBucket gives genai-dev the bucket of its customization
// experiments, and returns its name. It is versioned but has none of the
// other protections: no policy, no public access block, no default
// encryption configuration, no object lock. Its version ids derive from the
// account, so the scenario's random draws are left as they were.
func devTrainingBucket(a *Account, created time.Time) string {
	name := "genai-dev-training-" + a.ID
	var body strings.Builder
	for i := range 12 {
		fmt.Fprintf(&body, `{"prompt":"Rephrase politely: request %d","completion":"%s"}`+"\n", i, kbSentences[i%len(kbSentences)])
	}
	a.Buckets = append(a.Buckets, &Bucket{
		Name: name, Region: "us-east-1", CreationDate: created, Versioning: "Enabled", Encryption: "none",
		Objects: []*ObjectVersion{{
			Key: "tone-experiment/train.jsonl", VersionID: keyText(0, name+"/train", 32, keyAlphabet),
			LastModified: created.Add(4 * 24 * time.Hour), ContentType: "application/jsonl", Body: body.String(),
		}},
	})
	return name
}

// customizationOutput writes what the completed customization job left
// under its output location: its training and validation metrics, as
// Bedrock writes them. Its version ids derive from the account, so the
// scenario's random draws are left as they were.
func (g *gen) customizationOutput(a *Account) {
	var bucket *Bucket
	for _, b := range a.Buckets {
		if b.Name == trainingBucketName() {
			bucket = b
		}
	}
	r := a.Regions["us-east-1"]
	if bucket == nil || len(r.CustomizationJobs) == 0 {
		return
	}
	j := r.CustomizationJobs[0]
	if j.Status != "Completed" || j.EndTime == nil {
		return
	}
	_, prefix, _ := strings.Cut(strings.TrimPrefix(j.OutputDataConfig.S3URI, "s3://"), "/")
	dir := prefix + "model-customization-job-" + j.JobARN[strings.LastIndexByte(j.JobARN, '/')+1:] + "/"
	var train, valid strings.Builder
	train.WriteString("step_number,epoch_number,training_loss,perplexity\n")
	for i := range 8 {
		loss := 1.9 - 0.19*float64(i)
		fmt.Fprintf(&train, "%d,%d,%.4f,%.4f\n", (i+1)*10, i/4, loss, 1+loss*loss)
	}
	valid.WriteString("step_number,epoch_number,validation_loss,perplexity\n20,0,0.7342,1.5391\n40,1,0.5117,1.2618\n")
	for i, o := range []struct{ key, body string }{
		{dir + "training_artifacts/step_wise_training_metrics.csv", train.String()},
		{dir + "validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv", valid.String()},
	} {
		bucket.Objects = append(bucket.Objects, &ObjectVersion{
			Key: o.key, VersionID: keyText(0, bucket.Name+"/output"+fmt.Sprint(i), 32, keyAlphabet),
			LastModified: *j.EndTime, ContentType: "text/csv", Body: o.body,
		})
	}
}
