package lab

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// sageMakerService is the Amazon SageMaker control plane (awsJson1_1,
// X-Amz-Target SageMaker.<Operation>), for the models, the model registry
// and the endpoints.
func sageMakerService() *service {
	p := jsonRPC{prefix: "SageMaker"}
	return &service{
		name:    "sagemaker",
		signing: "sagemaker",
		proto:   p,
		route: namedRouter(p.target, map[string]operation{
			"ListModels":                {handler: smListModels},
			"DescribeModel":             {handler: smDescribeModel},
			"ListModelPackageGroups":    {handler: smListModelPackageGroups},
			"DescribeModelPackageGroup": {handler: smDescribeModelPackageGroup},
			"ListModelPackages":         {handler: smListModelPackages},
			"DescribeModelPackage":      {handler: smDescribeModelPackage},
			"ListEndpointConfigs":       {handler: smListEndpointConfigs},
			"DescribeEndpointConfig":    {handler: smDescribeEndpointConfig},
			"ListEndpoints":             {handler: smListEndpoints},
			"DescribeEndpoint":          {handler: smDescribeEndpoint},
		}),
		throttle: throttling(http.StatusBadRequest, "ThrottlingException"),
		internal: newAPIError(http.StatusInternalServerError, "InternalFailure", "An internal error occurred. Try again."),
	}
}

// smValidation is how SageMaker refuses a request, a missing resource
// included.
func smValidation(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, "ValidationException", format, args...)
}

// smListInput is what SageMaker's List operations share.
type smListInput struct {
	MaxResults   int    `json:"MaxResults"`
	NextToken    string `json:"NextToken"`
	NameContains string `json:"NameContains"`
	SortBy       string `json:"SortBy"`    // Name CreationTime (the default)
	SortOrder    string `json:"SortOrder"` // Ascending Descending (the default)
	// ListModelPackages only.
	ModelPackageGroupName string `json:"ModelPackageGroupName"`
	ModelPackageType      string `json:"ModelPackageType"` // Versioned Unversioned (the default without a group) Both
	ModelApprovalStatus   string `json:"ModelApprovalStatus"`
}

// smItem is what a listing sorts and filters by.
type smItem struct {
	name    string
	created time.Time
	summary any
}

// smList answers a listing: filtered by NameContains, sorted as asked
// (newest first by default), and paged by MaxResults (1 to 100, default
// 10) and NextToken.
func smList(c *call, in *smListInput, key string, items []smItem) (*response, error) {
	if in.MaxResults < 0 || in.MaxResults > 100 {
		return nil, smValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", in.MaxResults)
	}
	var kept []smItem
	for _, it := range items {
		if in.NameContains == "" || strings.Contains(strings.ToLower(it.name), strings.ToLower(in.NameContains)) {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, func(a, b smItem) int {
		d := a.created.Compare(b.created)
		if in.SortBy == "Name" {
			d = strings.Compare(a.name, b.name)
		}
		if in.SortOrder != "Ascending" {
			d = -d
		}
		return d
	})
	got, next, err := page(kept, c.op+"|"+c.account+"|"+c.region+"|"+in.SortBy+"|"+in.SortOrder+"|"+in.NameContains+"|"+in.ModelPackageGroupName+"|"+in.ModelPackageType,
		in.NextToken, in.MaxResults, 10, 100, smValidation("Invalid pagination token"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{key: nonNil(summaries(got))}
	if next != "" {
		out["NextToken"] = next
	}
	return c.json(out)
}

func summaries(items []smItem) []any {
	var out []any
	for _, it := range items {
		out = append(out, it.summary)
	}
	return out
}

func smListModels(c *call) (*response, error) {
	var in smListInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var items []smItem
	for _, m := range c.data().SageMakerModels {
		items = append(items, smItem{m.ModelName, time.Time(m.CreationTime), map[string]any{
			"ModelName": m.ModelName, "ModelArn": m.ModelArn, "CreationTime": m.CreationTime,
		}})
	}
	return smList(c, &in, "Models", items)
}

func smDescribeModel(c *call) (*response, error) {
	var in struct{ ModelName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	for _, m := range c.data().SageMakerModels {
		if m.ModelName == in.ModelName {
			return c.json(m)
		}
	}
	return nil, smValidation("Could not find model \"arn:aws:sagemaker:%s:%s:model/%s\".", c.region, c.account, strings.ToLower(in.ModelName))
}

func smListModelPackageGroups(c *call) (*response, error) {
	var in smListInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var items []smItem
	for _, g := range c.data().ModelPackageGroups {
		items = append(items, smItem{g.ModelPackageGroupName, time.Time(g.CreationTime), map[string]any{
			"ModelPackageGroupName": g.ModelPackageGroupName, "ModelPackageGroupArn": g.ModelPackageGroupArn,
			"ModelPackageGroupDescription": g.ModelPackageGroupDescription, "CreationTime": g.CreationTime,
			"ModelPackageGroupStatus": g.ModelPackageGroupStatus,
		}})
	}
	return smList(c, &in, "ModelPackageGroupSummaryList", items)
}

// findPackageGroup resolves a model package group by name or ARN.
func (c *call) findPackageGroup(ref string) (*ModelPackageGroup, error) {
	for _, g := range c.data().ModelPackageGroups {
		if g.ModelPackageGroupName == ref || g.ModelPackageGroupArn == ref {
			return g, nil
		}
	}
	return nil, smValidation("ModelPackageGroup arn:aws:sagemaker:%s:%s:model-package-group/%s does not exist.", c.region, c.account, strings.ToLower(ref))
}

func smDescribeModelPackageGroup(c *call) (*response, error) {
	var in struct{ ModelPackageGroupName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := c.findPackageGroup(in.ModelPackageGroupName)
	if err != nil {
		return nil, err
	}
	out := *g
	out.ModelPackages = nil
	return c.json(out)
}

// smListModelPackages lists the versions of one group, or without a group
// the unversioned packages (Versioned: every group's versions; Both: all).
func smListModelPackages(c *call) (*response, error) {
	var in smListInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var pkgs []*ModelPackage
	switch {
	case in.ModelPackageGroupName != "":
		g, err := c.findPackageGroup(in.ModelPackageGroupName)
		if err != nil {
			return nil, err
		}
		pkgs = g.ModelPackages
	default:
		if in.ModelPackageType == "" || in.ModelPackageType == "Unversioned" || in.ModelPackageType == "Both" {
			pkgs = append(pkgs, c.data().ModelPackages...)
		}
		if in.ModelPackageType == "Versioned" || in.ModelPackageType == "Both" {
			for _, g := range c.data().ModelPackageGroups {
				pkgs = append(pkgs, g.ModelPackages...)
			}
		}
	}
	var items []smItem
	for _, p := range pkgs {
		if in.ModelApprovalStatus != "" && p.ModelApprovalStatus != in.ModelApprovalStatus {
			continue
		}
		s := map[string]any{
			"ModelPackageName": p.ModelPackageName, "ModelPackageArn": p.ModelPackageArn, "CreationTime": p.CreationTime,
			"ModelPackageStatus": p.ModelPackageStatus,
		}
		for k, v := range map[string]string{"ModelPackageGroupName": p.ModelPackageGroupName, "ModelPackageDescription": p.ModelPackageDescription, "ModelApprovalStatus": p.ModelApprovalStatus} {
			if v != "" {
				s[k] = v
			}
		}
		if p.ModelPackageVersion != 0 {
			s["ModelPackageVersion"] = p.ModelPackageVersion
		}
		items = append(items, smItem{p.ModelPackageName, time.Time(p.CreationTime), s})
	}
	return smList(c, &in, "ModelPackageSummaryList", items)
}

// smDescribeModelPackage resolves a package by ARN, or an unversioned one
// by name.
func smDescribeModelPackage(c *call) (*response, error) {
	var in struct{ ModelPackageName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	all := slices.Clone(c.data().ModelPackages)
	for _, g := range c.data().ModelPackageGroups {
		all = append(all, g.ModelPackages...)
	}
	for _, p := range all {
		if p.ModelPackageArn == in.ModelPackageName || (p.ModelPackageVersion == 0 && p.ModelPackageName == in.ModelPackageName) {
			return c.json(p)
		}
	}
	return nil, smValidation("ModelPackage %s does not exist.", in.ModelPackageName)
}

func smListEndpointConfigs(c *call) (*response, error) {
	var in smListInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var items []smItem
	for _, e := range c.data().EndpointConfigs {
		items = append(items, smItem{e.EndpointConfigName, time.Time(e.CreationTime), map[string]any{
			"EndpointConfigName": e.EndpointConfigName, "EndpointConfigArn": e.EndpointConfigArn, "CreationTime": e.CreationTime,
		}})
	}
	return smList(c, &in, "EndpointConfigs", items)
}

func smDescribeEndpointConfig(c *call) (*response, error) {
	var in struct{ EndpointConfigName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	for _, e := range c.data().EndpointConfigs {
		if e.EndpointConfigName == in.EndpointConfigName {
			return c.json(e)
		}
	}
	return nil, smValidation("Could not find endpoint configuration \"%s\".", in.EndpointConfigName)
}

func smListEndpoints(c *call) (*response, error) {
	var in smListInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var items []smItem
	for _, e := range c.data().Endpoints {
		items = append(items, smItem{e.EndpointName, time.Time(e.CreationTime), map[string]any{
			"EndpointName": e.EndpointName, "EndpointArn": e.EndpointArn, "CreationTime": e.CreationTime,
			"LastModifiedTime": e.LastModifiedTime, "EndpointStatus": e.EndpointStatus,
		}})
	}
	return smList(c, &in, "Endpoints", items)
}

func smDescribeEndpoint(c *call) (*response, error) {
	var in struct{ EndpointName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	for _, e := range c.data().Endpoints {
		if e.EndpointName == in.EndpointName {
			return c.json(e)
		}
	}
	return nil, smValidation("Could not find endpoint \"%s\".", in.EndpointName)
}
