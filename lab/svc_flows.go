package lab

import (
	"strings"
	"time"
)

// Prompt management and flows are bedrock-agent operations; their routes
// are in bedrockAgentService.

// findPrompt resolves a prompt by id or ARN.
func (c *call) findPrompt(ref string) (*Prompt, error) {
	for _, p := range c.data().Prompts {
		if p.ID == ref || p.ARN == ref {
			return p, nil
		}
	}
	return nil, notFound("Prompt %s not found", ref)
}

// promptVersion is a version as GetPrompt returns it: numbered versions'
// ARNs end in ":<version>".
func promptVersion(p *Prompt, v *PromptVersion) PromptVersion {
	out := *v
	out.ID, out.ARN = p.ID, p.ARN
	if v.Version != "DRAFT" {
		out.ARN += ":" + v.Version
	}
	return out
}

// listPrompts lists the DRAFT of every prompt, or every version of the one
// named by promptIdentifier.
func listPrompts(c *call) (*response, error) {
	type summary struct {
		Name        string    `json:"name"`
		Description string    `json:"description,omitempty"`
		ID          string    `json:"id"`
		ARN         string    `json:"arn"`
		Version     string    `json:"version"`
		CreatedAt   time.Time `json:"createdAt"`
		UpdatedAt   time.Time `json:"updatedAt"`
	}
	sum := func(p *Prompt, v *PromptVersion) summary {
		pv := promptVersion(p, v)
		return summary{pv.Name, pv.Description, pv.ID, pv.ARN, pv.Version, pv.CreatedAt, pv.UpdatedAt}
	}
	var all []summary
	if id := c.query("promptIdentifier"); id != "" {
		p, err := c.findPrompt(id)
		if err != nil {
			return nil, err
		}
		for _, v := range p.Versions {
			all = append(all, sum(p, v))
		}
	} else {
		for _, p := range c.data().Prompts {
			for _, v := range p.Versions {
				if v.Version == "DRAFT" {
					all = append(all, sum(p, v))
				}
			}
		}
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("promptSummaries", nonNil(items), next)
}

func getPrompt(c *call) (*response, error) {
	p, err := c.findPrompt(c.param("promptIdentifier"))
	if err != nil {
		return nil, err
	}
	want := c.query("promptVersion")
	if want == "" {
		want = "DRAFT"
	}
	for _, v := range p.Versions {
		if v.Version == want {
			return c.json(promptVersion(p, v))
		}
	}
	return nil, notFound("Prompt %s version %s not found", p.ID, want)
}

// findFlow resolves a flow by id or ARN.
func (c *call) findFlow(ref string) (*Flow, error) {
	for _, f := range c.data().Flows {
		if f.ID == ref || f.ARN == ref {
			return f, nil
		}
	}
	return nil, notFound("Flow %s not found", ref)
}

func listFlows(c *call) (*response, error) {
	type summary struct {
		Name        string     `json:"name"`
		Description string     `json:"description,omitempty"`
		ID          string     `json:"id"`
		ARN         string     `json:"arn"`
		Status      string     `json:"status"`
		CreatedAt   time.Time  `json:"createdAt"`
		UpdatedAt   *time.Time `json:"updatedAt"`
		Version     string     `json:"version"`
	}
	var all []summary
	for _, f := range c.data().Flows {
		all = append(all, summary{f.Name, f.Description, f.ID, f.ARN, f.Status, f.CreatedAt, f.UpdatedAt, f.Version})
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("flowSummaries", nonNil(items), next)
}

func getFlow(c *call) (*response, error) {
	f, err := c.findFlow(c.param("flowIdentifier"))
	if err != nil {
		return nil, err
	}
	return c.json(f.FlowVersion)
}

// listFlowVersions lists the DRAFT and every numbered version.
func listFlowVersions(c *call) (*response, error) {
	f, err := c.findFlow(c.param("flowIdentifier"))
	if err != nil {
		return nil, err
	}
	type summary struct {
		ID        string    `json:"id"`
		ARN       string    `json:"arn"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"createdAt"`
		Version   string    `json:"version"`
	}
	all := []summary{{f.ID, f.ARN, f.Status, f.CreatedAt, f.Version}}
	for _, v := range f.Versions {
		all = append(all, summary{f.ID, f.ARN, v.Status, v.CreatedAt, v.Version})
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("flowVersionSummaries", nonNil(items), next)
}

func getFlowVersion(c *call) (*response, error) {
	f, err := c.findFlow(c.param("flowIdentifier"))
	if err != nil {
		return nil, err
	}
	want := c.param("flowVersion")
	for _, v := range f.Versions {
		if v.Version == want {
			return c.json(v)
		}
	}
	return nil, notFound("Flow %s version %s not found", f.ID, want)
}

func listFlowAliases(c *call) (*response, error) {
	f, err := c.findFlow(c.param("flowIdentifier"))
	if err != nil {
		return nil, err
	}
	items, next, err := listPage(c, f.Aliases, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("flowAliasSummaries", nonNil(items), next)
}

// getFlowAlias resolves an alias by id or ARN.
func getFlowAlias(c *call) (*response, error) {
	f, err := c.findFlow(c.param("flowIdentifier"))
	if err != nil {
		return nil, err
	}
	ref := c.param("aliasIdentifier")
	for _, a := range f.Aliases {
		if a.ID == ref || a.ARN == ref || strings.HasSuffix(ref, "/alias/"+a.ID) {
			return c.json(a)
		}
	}
	return nil, notFound("Flow alias %s of flow %s not found", ref, f.ID)
}

// listInferenceProfiles lists the profiles of the type asked for
// (typeEquals), system-defined ones when none is.
func listInferenceProfiles(c *call) (*response, error) {
	want := c.query("type")
	if want == "" {
		want = "SYSTEM_DEFINED"
	}
	var all []*InferenceProfile
	for _, p := range c.data().InferenceProfiles {
		if p.Type == want {
			all = append(all, p)
		}
	}
	items, next, err := listPage(c, all, 100, 1000)
	if err != nil {
		return nil, err
	}
	return c.listed("inferenceProfileSummaries", nonNil(items), next)
}

// getInferenceProfile resolves a profile by id or ARN.
func getInferenceProfile(c *call) (*response, error) {
	ref := c.param("inferenceProfileIdentifier")
	for _, p := range c.data().InferenceProfiles {
		if p.InferenceProfileID == ref || p.InferenceProfileArn == ref {
			return c.json(p)
		}
	}
	return nil, notFound("The specified inference profile %s does not exist.", ref)
}
