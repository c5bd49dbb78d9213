package lab

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bedrockService is the Amazon Bedrock control plane (restJson1). It
// shares the signing name bedrock with bedrock-agent, which is told apart
// by path.
func bedrockService() *service {
	return &service{
		name:    "bedrock",
		signing: "bedrock",
		proto:   restJSON{},
		route: restRouter([]restRoute{
			{"GET", "/guardrails", "ListGuardrails", operation{handler: listGuardrails}},
			{"GET", "/guardrails/{guardrailIdentifier}", "GetGuardrail", operation{handler: getGuardrail}},
			{"POST", "/guardrails", "CreateGuardrail", refused},
			{"PUT", "/guardrails/{guardrailIdentifier}", "UpdateGuardrail", refused},
			{"POST", "/guardrails/{guardrailIdentifier}", "CreateGuardrailVersion", refused},
			{"DELETE", "/guardrails/{guardrailIdentifier}", "DeleteGuardrail", refused},
			{"GET", "/custom-models", "ListCustomModels", operation{handler: listCustomModels}},
			{"GET", "/custom-models/{modelIdentifier}", "GetCustomModel", operation{handler: getCustomModel}},
			{"DELETE", "/custom-models/{modelIdentifier}", "DeleteCustomModel", refused},
			{"GET", "/imported-models", "ListImportedModels", operation{handler: listImportedModels}},
			{"GET", "/imported-models/{modelIdentifier}", "GetImportedModel", operation{handler: getImportedModel}},
			{"GET", "/model-customization-jobs", "ListModelCustomizationJobs", operation{handler: listCustomizationJobs}},
			{"GET", "/model-customization-jobs/{jobIdentifier}", "GetModelCustomizationJob", operation{handler: getCustomizationJob}},
			{"POST", "/model-customization-jobs", "CreateModelCustomizationJob", refused},
			{"GET", "/provisioned-model-throughputs", "ListProvisionedModelThroughputs", operation{handler: listProvisionedThroughputs}},
			{"GET", "/foundation-models", "ListFoundationModels", operation{handler: listFoundationModels}},
			{"GET", "/foundation-models/{modelIdentifier}", "GetFoundationModel", operation{handler: getFoundationModel}},
			{"GET", "/foundation-model-availability/{modelId}", "GetFoundationModelAvailability", operation{handler: getFoundationModelAvailability}},
			{"POST", "/create-foundation-model-agreement", "CreateFoundationModelAgreement", refused},
			{"POST", "/delete-foundation-model-agreement", "DeleteFoundationModelAgreement", refused},
			{"POST", "/use-case-for-model-access", "PutUseCaseForModelAccess", refused},
			{"GET", "/inference-profiles", "ListInferenceProfiles", operation{handler: listInferenceProfiles}},
			{"GET", "/inference-profiles/{inferenceProfileIdentifier}", "GetInferenceProfile", operation{handler: getInferenceProfile}},
			{"POST", "/inference-profiles", "CreateInferenceProfile", refused},
			{"DELETE", "/inference-profiles/{inferenceProfileIdentifier}", "DeleteInferenceProfile", refused},
			{"GET", "/logging/modelinvocations", "GetModelInvocationLoggingConfiguration", operation{handler: getLoggingConfig}},
			{"PUT", "/logging/modelinvocations", "PutModelInvocationLoggingConfiguration", refused},
			{"DELETE", "/logging/modelinvocations", "DeleteModelInvocationLoggingConfiguration", refused},
		}),
		throttle: throttling(http.StatusTooManyRequests, "ThrottlingException"),
		internal: newAPIError(http.StatusInternalServerError, "InternalServerException", "An internal server error occurred. Retry your request."),
	}
}

// notFound is the restJson1 ResourceNotFoundException.
func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

// listPage cuts a page of a REST listing by the maxResults and nextToken
// query parameters.
func listPage[T any](c *call, items []T, def, limit int) ([]T, string, error) {
	max := 0
	if v := c.query("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > limit {
			return nil, "", newAPIError(http.StatusBadRequest, "ValidationException", "maxResults must be between 1 and %d", limit)
		}
		max = n
	}
	return page(items, c.svc.name+"|"+c.op+"|"+c.account+"|"+c.region+"|"+c.r.URL.Path, c.query("nextToken"), max, def, limit,
		newAPIError(http.StatusBadRequest, "ValidationException", "Invalid nextToken"))
}

// listed answers a REST listing: the page under key, and nextToken.
func (c *call) listed(key string, items any, next string) (*response, error) {
	out := map[string]any{key: items}
	if next != "" {
		out["nextToken"] = next
	}
	return c.json(out)
}

// findGuardrail resolves a guardrail id or ARN.
func (c *call) findGuardrail(ref string) (*Guardrail, error) {
	for _, g := range c.data().Guardrails {
		if g.ID == ref || g.ARN == ref {
			return g, nil
		}
	}
	return nil, notFound("Guardrail %s not found", ref)
}

type guardrailSummary struct {
	ID                 string                      `json:"id"`
	ARN                string                      `json:"arn"`
	Status             string                      `json:"status"`
	Name               string                      `json:"name"`
	Description        string                      `json:"description,omitempty"`
	Version            string                      `json:"version"`
	CreatedAt          time.Time                   `json:"createdAt"`
	UpdatedAt          time.Time                   `json:"updatedAt"`
	CrossRegionDetails *GuardrailCrossRegionDetail `json:"crossRegionDetails,omitempty"`
}

func summarize(g *Guardrail, v *GuardrailVersion) guardrailSummary {
	return guardrailSummary{ID: g.ID, ARN: g.ARN, Status: v.Status, Name: v.Name, Description: v.Description,
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, CrossRegionDetails: v.CrossRegionDetails}
}

// listGuardrails lists the DRAFT of every guardrail, or every version of
// the one named by guardrailIdentifier.
func listGuardrails(c *call) (*response, error) {
	var all []guardrailSummary
	if id := c.query("guardrailIdentifier"); id != "" {
		g, err := c.findGuardrail(id)
		if err != nil {
			return nil, err
		}
		for _, v := range g.Versions {
			all = append(all, summarize(g, v))
		}
	} else {
		for _, g := range c.data().Guardrails {
			if d := g.version("DRAFT"); d != nil {
				all = append(all, summarize(g, d))
			}
		}
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("guardrails", nonNil(items), next)
}

func (g *Guardrail) version(v string) *GuardrailVersion {
	for _, x := range g.Versions {
		if x.Version == v {
			return x
		}
	}
	return nil
}

func getGuardrail(c *call) (*response, error) {
	g, err := c.findGuardrail(c.param("guardrailIdentifier"))
	if err != nil {
		return nil, err
	}
	want := c.query("guardrailVersion")
	if want == "" {
		want = "DRAFT"
	}
	v := g.version(want)
	if v == nil {
		return nil, notFound("Guardrail %s version %s not found", g.ID, want)
	}
	out := *v
	out.ID, out.ARN = g.ID, g.ARN
	return c.json(out)
}

type customModelSummary struct {
	ModelARN          string    `json:"modelArn"`
	ModelName         string    `json:"modelName"`
	CreationTime      time.Time `json:"creationTime"`
	BaseModelARN      string    `json:"baseModelArn"`
	BaseModelName     string    `json:"baseModelName"`
	CustomizationType string    `json:"customizationType"`
	ModelStatus       string    `json:"modelStatus"`
	OwnerAccountID    string    `json:"ownerAccountId"`
}

func listCustomModels(c *call) (*response, error) {
	var all []customModelSummary
	for _, m := range c.data().CustomModels {
		all = append(all, customModelSummary{m.ModelARN, m.ModelName, m.CreationTime, m.BaseModelARN, m.BaseModelName, m.CustomizationType, m.ModelStatus, c.account})
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("modelSummaries", nonNil(items), next)
}

func getCustomModel(c *call) (*response, error) {
	id := c.param("modelIdentifier")
	for _, m := range c.data().CustomModels {
		if m.ModelARN == id || m.ModelName == id {
			return c.json(m)
		}
	}
	return nil, notFound("Custom model %s not found", id)
}

func listImportedModels(c *call) (*response, error) {
	type summary struct {
		ModelARN          string    `json:"modelArn"`
		ModelName         string    `json:"modelName"`
		CreationTime      time.Time `json:"creationTime"`
		InstructSupported bool      `json:"instructSupported"`
		ModelArchitecture string    `json:"modelArchitecture"`
	}
	var all []summary
	for _, m := range c.data().ImportedModels {
		all = append(all, summary{m.ModelARN, m.ModelName, m.CreationTime, m.InstructSupported, m.ModelArchitecture})
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("modelSummaries", nonNil(items), next)
}

func getImportedModel(c *call) (*response, error) {
	id := c.param("modelIdentifier")
	for _, m := range c.data().ImportedModels {
		if m.ModelARN == id || m.ModelName == id {
			return c.json(struct {
				ModelARN          string    `json:"modelArn"`
				ModelName         string    `json:"modelName"`
				CreationTime      time.Time `json:"creationTime"`
				InstructSupported bool      `json:"instructSupported"`
				ModelArchitecture string    `json:"modelArchitecture"`
				ModelDataSource   any       `json:"modelDataSource,omitempty"`
			}{m.ModelARN, m.ModelName, m.CreationTime, m.InstructSupported, m.ModelArchitecture, modelDataSource(m.ArtifactS3URI)})
		}
	}
	return nil, notFound("Imported model %s not found", id)
}

func modelDataSource(uri string) any {
	if uri == "" {
		return nil
	}
	return map[string]any{"s3DataSource": map[string]string{"s3Uri": uri}}
}

func listCustomizationJobs(c *call) (*response, error) {
	type summary struct {
		JobARN            string     `json:"jobArn"`
		JobName           string     `json:"jobName"`
		BaseModelARN      string     `json:"baseModelArn"`
		Status            string     `json:"status"`
		CustomModelARN    string     `json:"customModelArn,omitempty"`
		CustomModelName   string     `json:"customModelName,omitempty"`
		CustomizationType string     `json:"customizationType"`
		CreationTime      time.Time  `json:"creationTime"`
		LastModifiedTime  *time.Time `json:"lastModifiedTime,omitempty"`
		EndTime           *time.Time `json:"endTime,omitempty"`
	}
	var all []summary
	for _, j := range c.data().CustomizationJobs {
		all = append(all, summary{j.JobARN, j.JobName, j.BaseModelARN, j.Status, j.CustomModelARN, j.CustomModelName,
			j.CustomizationType, j.CreationTime, j.LastModifiedTime, j.EndTime})
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("modelCustomizationJobSummaries", nonNil(items), next)
}

// getCustomizationJob resolves a job by ARN or name.
func getCustomizationJob(c *call) (*response, error) {
	id := c.param("jobIdentifier")
	for _, j := range c.data().CustomizationJobs {
		if j.JobARN != id && j.JobName != id {
			continue
		}
		return c.json(struct {
			JobARN               string              `json:"jobArn"`
			JobName              string              `json:"jobName"`
			OutputModelName      string              `json:"outputModelName"`
			OutputModelARN       string              `json:"outputModelArn,omitempty"`
			RoleARN              string              `json:"roleArn"`
			Status               string              `json:"status"`
			FailureMessage       string              `json:"failureMessage,omitempty"`
			CreationTime         time.Time           `json:"creationTime"`
			LastModifiedTime     *time.Time          `json:"lastModifiedTime,omitempty"`
			EndTime              *time.Time          `json:"endTime,omitempty"`
			BaseModelARN         string              `json:"baseModelArn"`
			HyperParameters      map[string]string   `json:"hyperParameters,omitempty"`
			TrainingDataConfig   *TrainingDataConfig `json:"trainingDataConfig"`
			ValidationDataConfig *ValidationConfig   `json:"validationDataConfig"`
			OutputDataConfig     *S3URIConfig        `json:"outputDataConfig"`
			CustomizationType    string              `json:"customizationType"`
		}{j.JobARN, j.JobName, j.CustomModelName, j.CustomModelARN, j.RoleARN, j.Status, j.FailureMessage, j.CreationTime,
			j.LastModifiedTime, j.EndTime, j.BaseModelARN, j.HyperParameters, j.TrainingDataConfig, j.ValidationDataConfig,
			j.OutputDataConfig, j.CustomizationType})
	}
	return nil, notFound("Model customization job %s not found", id)
}

func listProvisionedThroughputs(c *call) (*response, error) {
	items, next, err := listPage(c, c.data().ProvisionedThroughputs, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("provisionedModelSummaries", nonNil(items), next)
}

// foundationModel returns a catalog entry with its ARN in the call's region.
func (c *call) foundationModel(m *FoundationModel) FoundationModel {
	out := *m
	if out.ModelARN == "" {
		out.ModelARN = "arn:aws:bedrock:" + c.region + "::foundation-model/" + m.ModelID
	}
	return out
}

func listFoundationModels(c *call) (*response, error) {
	q := c.r.URL.Query()
	out := []FoundationModel{}
	for _, m := range c.srv.sc.FoundationModels {
		if p := q.Get("byProvider"); p != "" && !strings.EqualFold(p, m.ProviderName) {
			continue
		}
		if ct := q.Get("byCustomizationType"); ct != "" && !contains(m.CustomizationsSupported, ct) {
			continue
		}
		if om := q.Get("byOutputModality"); om != "" && !contains(m.OutputModalities, om) {
			continue
		}
		if it := q.Get("byInferenceType"); it != "" && !contains(m.InferenceTypesSupported, it) {
			continue
		}
		out = append(out, c.foundationModel(m))
	}
	return c.json(map[string]any{"modelSummaries": out})
}

func (c *call) catalogModel(id string) (*FoundationModel, error) {
	for _, m := range c.srv.sc.FoundationModels {
		if m.ModelID == id || c.foundationModel(m).ModelARN == id {
			return m, nil
		}
	}
	return nil, notFound("Could not resolve the foundation model from the provided model identifier.")
}

func getFoundationModel(c *call) (*response, error) {
	m, err := c.catalogModel(c.param("modelIdentifier"))
	if err != nil {
		return nil, err
	}
	return c.json(map[string]any{"modelDetails": c.foundationModel(m)})
}

func getFoundationModelAvailability(c *call) (*response, error) {
	id := c.param("modelId")
	for _, a := range c.data().ModelAccess {
		if a.ModelID == id {
			return c.json(a)
		}
	}
	if _, err := c.catalogModel(id); err != nil {
		return nil, err
	}
	ma := modelAccess(id, false)
	return c.json(ma)
}

func getLoggingConfig(c *call) (*response, error) {
	if lc := c.data().LoggingConfig; lc != nil {
		return c.json(map[string]*LoggingConfig{"loggingConfig": lc})
	}
	return c.json(struct{}{})
}

// nonNil makes an empty listing marshal as [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
