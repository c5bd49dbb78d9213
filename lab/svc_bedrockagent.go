package lab

import (
	"net/http"
	"strings"
	"time"
)

// bedrockAgentService is Agents for Amazon Bedrock (restJson1). It signs as
// bedrock; its paths tell it apart.
func bedrockAgentService() *service {
	return &service{
		name:    "bedrock-agent",
		signing: "bedrock",
		proto:   restJSON{},
		match: func(r *http.Request) bool {
			for _, p := range []string{"/agents/", "/knowledgebases/", "/flows/", "/prompts/"} {
				if strings.HasPrefix(r.URL.Path, p) {
					return true
				}
			}
			return false
		},
		route: restRouter([]restRoute{
			{"POST", "/agents/", "ListAgents", operation{handler: listAgents}},
			{"GET", "/agents/{agentId}", "GetAgent", operation{handler: getAgent}},
			{"PUT", "/agents/", "CreateAgent", refused},
			{"PUT", "/agents/{agentId}", "UpdateAgent", refused},
			{"DELETE", "/agents/{agentId}", "DeleteAgent", refused},
			{"POST", "/agents/{agentId}", "PrepareAgent", refused},
			{"POST", "/agents/{agentId}/agentversions/", "ListAgentVersions", operation{handler: listAgentVersions}},
			{"GET", "/agents/{agentId}/agentversions/{agentVersion}", "GetAgentVersion", operation{handler: getAgentVersion}},
			{"POST", "/agents/{agentId}/agentaliases/", "ListAgentAliases", operation{handler: listAgentAliases}},
			{"GET", "/agents/{agentId}/agentaliases/{agentAliasId}", "GetAgentAlias", operation{handler: getAgentAlias}},
			{"POST", "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/", "ListAgentActionGroups", operation{handler: listActionGroups}},
			{"GET", "/agents/{agentId}/agentversions/{agentVersion}/actiongroups/{actionGroupId}", "GetAgentActionGroup", operation{handler: getActionGroup}},
			{"POST", "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/", "ListAgentKnowledgeBases", operation{handler: listAgentKnowledgeBases}},
			{"GET", "/agents/{agentId}/agentversions/{agentVersion}/knowledgebases/{knowledgeBaseId}", "GetAgentKnowledgeBase", operation{handler: getAgentKnowledgeBase}},
			{"POST", "/agents/{agentId}/agentversions/{agentVersion}/agentcollaborators/", "ListAgentCollaborators", operation{handler: listAgentCollaborators}},
			{"POST", "/knowledgebases/", "ListKnowledgeBases", operation{handler: listKnowledgeBases}},
			{"GET", "/knowledgebases/{knowledgeBaseId}", "GetKnowledgeBase", operation{handler: getKnowledgeBase}},
			{"PUT", "/knowledgebases/", "CreateKnowledgeBase", refused},
			{"DELETE", "/knowledgebases/{knowledgeBaseId}", "DeleteKnowledgeBase", refused},
			{"POST", "/knowledgebases/{knowledgeBaseId}/datasources/", "ListDataSources", operation{handler: listDataSources}},
			{"GET", "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}", "GetDataSource", operation{handler: getDataSource}},
			{"POST", "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/", "ListIngestionJobs", operation{handler: listIngestionJobs}},
			{"GET", "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/{ingestionJobId}", "GetIngestionJob", operation{handler: getIngestionJob}},
			{"PUT", "/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/ingestionjobs/", "StartIngestionJob", refused},
			{"GET", "/prompts/", "ListPrompts", operation{handler: listPrompts}},
			{"GET", "/prompts/{promptIdentifier}/", "GetPrompt", operation{handler: getPrompt}},
			{"POST", "/prompts/", "CreatePrompt", refused},
			{"PUT", "/prompts/{promptIdentifier}/", "UpdatePrompt", refused},
			{"POST", "/prompts/{promptIdentifier}/versions", "CreatePromptVersion", refused},
			{"DELETE", "/prompts/{promptIdentifier}/", "DeletePrompt", refused},
			{"GET", "/flows/", "ListFlows", operation{handler: listFlows}},
			{"GET", "/flows/{flowIdentifier}/", "GetFlow", operation{handler: getFlow}},
			{"GET", "/flows/{flowIdentifier}/versions", "ListFlowVersions", operation{handler: listFlowVersions}},
			{"GET", "/flows/{flowIdentifier}/versions/{flowVersion}/", "GetFlowVersion", operation{handler: getFlowVersion}},
			{"GET", "/flows/{flowIdentifier}/aliases", "ListFlowAliases", operation{handler: listFlowAliases}},
			{"GET", "/flows/{flowIdentifier}/aliases/{aliasIdentifier}", "GetFlowAlias", operation{handler: getFlowAlias}},
			{"POST", "/flows/", "CreateFlow", refused},
			{"PUT", "/flows/{flowIdentifier}/", "UpdateFlow", refused},
			{"POST", "/flows/{flowIdentifier}/", "PrepareFlow", refused},
			{"DELETE", "/flows/{flowIdentifier}/", "DeleteFlow", refused},
			{"POST", "/flows/{flowIdentifier}/versions", "CreateFlowVersion", refused},
			{"POST", "/flows/{flowIdentifier}/aliases", "CreateFlowAlias", refused},
			{"PUT", "/flows/{flowIdentifier}/aliases/{aliasIdentifier}", "UpdateFlowAlias", refused},
		}),
		throttle: throttling(http.StatusTooManyRequests, "ThrottlingException"),
		internal: newAPIError(http.StatusInternalServerError, "InternalServerException", "An internal server error occurred. Retry your request."),
	}
}

// bodyPage pages a listing whose maxResults and nextToken come in the JSON
// body, as bedrock-agent's List operations take them.
func bodyPage[T any](c *call, items []T) ([]T, string, error) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, "", err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, "", newAPIError(http.StatusBadRequest, "ValidationException", "maxResults must be between 1 and 1000")
	}
	return page(items, c.op+"|"+c.account+"|"+c.region+"|"+c.r.URL.Path, in.NextToken, in.MaxResults, 100, 1000,
		newAPIError(http.StatusBadRequest, "ValidationException", "Invalid nextToken"))
}

// listedBody answers a bedrock-agent listing.
func listedBody[T any](c *call, key string, items []T) (*response, error) {
	got, next, err := bodyPage(c, items)
	if err != nil {
		return nil, err
	}
	return c.listed(key, nonNil(got), next)
}

func (c *call) agent() (*Agent, error) {
	id := c.param("agentId")
	for _, a := range c.data().Agents {
		if a.AgentID == id {
			return a, nil
		}
	}
	return nil, notFound("Agent %s not found", id)
}

// agentAtVersion is the path's agent and its version, both checked to exist.
func (c *call) agentAtVersion() (*Agent, string, error) {
	a, err := c.agent()
	if err != nil {
		return nil, "", err
	}
	v, err := c.agentVersion(a)
	return a, v, err
}

// agentVersion checks that the path's agentVersion exists.
func (c *call) agentVersion(a *Agent) (string, error) {
	v := c.param("agentVersion")
	if v == "DRAFT" {
		return v, nil
	}
	for _, x := range a.Versions {
		if x.Version == v {
			return v, nil
		}
	}
	return "", notFound("Agent %s version %s not found", a.AgentID, v)
}

func listAgents(c *call) (*response, error) {
	type summary struct {
		AgentID                string                  `json:"agentId"`
		AgentName              string                  `json:"agentName"`
		AgentStatus            string                  `json:"agentStatus"`
		Description            string                  `json:"description,omitempty"`
		LatestAgentVersion     string                  `json:"latestAgentVersion,omitempty"`
		GuardrailConfiguration *GuardrailConfiguration `json:"guardrailConfiguration,omitempty"`
		UpdatedAt              time.Time               `json:"updatedAt"`
	}
	var all []summary
	for _, a := range c.data().Agents {
		latest := ""
		if n := len(a.Versions); n > 0 {
			latest = a.Versions[n-1].Version
		}
		all = append(all, summary{a.AgentID, a.AgentName, a.AgentStatus, a.Description, latest, a.GuardrailConfiguration, a.UpdatedAt})
	}
	return listedBody(c, "agentSummaries", all)
}

func getAgent(c *call) (*response, error) {
	a, err := c.agent()
	if err != nil {
		return nil, err
	}
	return c.json(map[string]any{"agent": agentOut(a)})
}

// agentOut is the agent without the lab's nested collections.
func agentOut(a *Agent) Agent {
	out := *a
	out.Versions, out.Aliases, out.ActionGroups, out.KnowledgeBases, out.Collaborators = nil, nil, nil, nil, nil
	return out
}

func listAgentVersions(c *call) (*response, error) {
	a, err := c.agent()
	if err != nil {
		return nil, err
	}
	type summary struct {
		AgentName              string                  `json:"agentName"`
		AgentStatus            string                  `json:"agentStatus"`
		AgentVersion           string                  `json:"agentVersion"`
		Description            string                  `json:"description,omitempty"`
		GuardrailConfiguration *GuardrailConfiguration `json:"guardrailConfiguration,omitempty"`
		CreatedAt              time.Time               `json:"createdAt"`
		UpdatedAt              time.Time               `json:"updatedAt"`
	}
	all := []summary{{a.AgentName, a.AgentStatus, "DRAFT", a.Description, a.GuardrailConfiguration, a.CreatedAt, a.UpdatedAt}}
	for _, v := range a.Versions {
		all = append(all, summary{v.AgentName, v.AgentStatus, v.Version, v.Description, v.GuardrailConfiguration, v.CreatedAt, v.UpdatedAt})
	}
	return listedBody(c, "agentVersionSummaries", all)
}

func getAgentVersion(c *call) (*response, error) {
	a, err := c.agent()
	if err != nil {
		return nil, err
	}
	for _, v := range a.Versions {
		if v.Version == c.param("agentVersion") {
			return c.json(map[string]any{"agentVersion": v})
		}
	}
	return nil, notFound("Agent %s version %s not found", a.AgentID, c.param("agentVersion"))
}

func listAgentAliases(c *call) (*response, error) {
	a, err := c.agent()
	if err != nil {
		return nil, err
	}
	type summary struct {
		AgentAliasID         string              `json:"agentAliasId"`
		AgentAliasName       string              `json:"agentAliasName"`
		AgentAliasStatus     string              `json:"agentAliasStatus"`
		Description          string              `json:"description,omitempty"`
		RoutingConfiguration []AliasRoutingEntry `json:"routingConfiguration"`
		CreatedAt            time.Time           `json:"createdAt"`
		UpdatedAt            time.Time           `json:"updatedAt"`
	}
	var all []summary
	for _, al := range a.Aliases {
		all = append(all, summary{al.AgentAliasID, al.AgentAliasName, al.AgentAliasStatus, al.Description, al.RoutingConfiguration, al.CreatedAt, al.UpdatedAt})
	}
	return listedBody(c, "agentAliasSummaries", all)
}

func getAgentAlias(c *call) (*response, error) {
	a, err := c.agent()
	if err != nil {
		return nil, err
	}
	for _, al := range a.Aliases {
		if al.AgentAliasID == c.param("agentAliasId") {
			return c.json(map[string]any{"agentAlias": al})
		}
	}
	return nil, notFound("Agent alias %s not found", c.param("agentAliasId"))
}

func listActionGroups(c *call) (*response, error) {
	a, v, err := c.agentAtVersion()
	if err != nil {
		return nil, err
	}
	type summary struct {
		ActionGroupID    string    `json:"actionGroupId"`
		ActionGroupName  string    `json:"actionGroupName"`
		ActionGroupState string    `json:"actionGroupState"`
		Description      string    `json:"description,omitempty"`
		UpdatedAt        time.Time `json:"updatedAt"`
	}
	var all []summary
	for _, g := range a.ActionGroups {
		if g.AgentVersion == v {
			all = append(all, summary{g.ActionGroupID, g.ActionGroupName, g.ActionGroupState, g.Description, g.UpdatedAt})
		}
	}
	return listedBody(c, "actionGroupSummaries", all)
}

func getActionGroup(c *call) (*response, error) {
	a, v, err := c.agentAtVersion()
	if err != nil {
		return nil, err
	}
	for _, g := range a.ActionGroups {
		if g.AgentVersion == v && g.ActionGroupID == c.param("actionGroupId") {
			return c.json(map[string]any{"agentActionGroup": g})
		}
	}
	return nil, notFound("Action group %s not found", c.param("actionGroupId"))
}

func listAgentKnowledgeBases(c *call) (*response, error) {
	a, v, err := c.agentAtVersion()
	if err != nil {
		return nil, err
	}
	type summary struct {
		KnowledgeBaseID    string    `json:"knowledgeBaseId"`
		KnowledgeBaseState string    `json:"knowledgeBaseState"`
		Description        string    `json:"description,omitempty"`
		UpdatedAt          time.Time `json:"updatedAt"`
	}
	var all []summary
	for _, k := range a.KnowledgeBases {
		if k.AgentVersion == v {
			all = append(all, summary{k.KnowledgeBaseID, k.KnowledgeBaseState, k.Description, k.UpdatedAt})
		}
	}
	return listedBody(c, "agentKnowledgeBaseSummaries", all)
}

func getAgentKnowledgeBase(c *call) (*response, error) {
	a, v, err := c.agentAtVersion()
	if err != nil {
		return nil, err
	}
	for _, k := range a.KnowledgeBases {
		if k.AgentVersion == v && k.KnowledgeBaseID == c.param("knowledgeBaseId") {
			return c.json(map[string]any{"agentKnowledgeBase": k})
		}
	}
	return nil, notFound("Knowledge base %s is not associated with agent %s", c.param("knowledgeBaseId"), a.AgentID)
}

func listAgentCollaborators(c *call) (*response, error) {
	a, v, err := c.agentAtVersion()
	if err != nil {
		return nil, err
	}
	type summary struct {
		AgentID                  string            `json:"agentId"`
		AgentVersion             string            `json:"agentVersion"`
		CollaboratorID           string            `json:"collaboratorId"`
		CollaboratorName         string            `json:"collaboratorName"`
		AgentDescriptor          map[string]string `json:"agentDescriptor"`
		CollaborationInstruction string            `json:"collaborationInstruction"`
		RelayConversationHistory string            `json:"relayConversationHistory,omitempty"`
		CreatedAt                time.Time         `json:"createdAt"`
		LastUpdatedAt            time.Time         `json:"lastUpdatedAt"`
	}
	var all []summary
	for _, k := range a.Collaborators {
		if k.AgentVersion == v {
			all = append(all, summary{a.AgentID, v, k.CollaboratorID, k.CollaboratorName, map[string]string{"aliasArn": k.AliasARN},
				k.CollaborationInstruction, k.RelayConversationHistory, k.CreatedAt, k.UpdatedAt})
		}
	}
	return listedBody(c, "agentCollaboratorSummaries", all)
}

func (c *call) knowledgeBase() (*KnowledgeBase, error) {
	id := c.param("knowledgeBaseId")
	for _, k := range c.data().KnowledgeBases {
		if k.KnowledgeBaseID == id {
			return k, nil
		}
	}
	return nil, notFound("Knowledge base %s not found", id)
}

func listKnowledgeBases(c *call) (*response, error) {
	type summary struct {
		KnowledgeBaseID string    `json:"knowledgeBaseId"`
		Name            string    `json:"name"`
		Description     string    `json:"description,omitempty"`
		Status          string    `json:"status"`
		UpdatedAt       time.Time `json:"updatedAt"`
	}
	var all []summary
	for _, k := range c.data().KnowledgeBases {
		all = append(all, summary{k.KnowledgeBaseID, k.Name, k.Description, k.Status, k.UpdatedAt})
	}
	return listedBody(c, "knowledgeBaseSummaries", all)
}

func getKnowledgeBase(c *call) (*response, error) {
	k, err := c.knowledgeBase()
	if err != nil {
		return nil, err
	}
	out := *k
	out.DataSources, out.IngestionJobs = nil, nil
	return c.json(map[string]any{"knowledgeBase": out})
}

func (c *call) dataSource(k *KnowledgeBase) (*DataSource, error) {
	for _, d := range k.DataSources {
		if d.DataSourceID == c.param("dataSourceId") {
			return d, nil
		}
	}
	return nil, notFound("Data source %s not found", c.param("dataSourceId"))
}

func listDataSources(c *call) (*response, error) {
	k, err := c.knowledgeBase()
	if err != nil {
		return nil, err
	}
	type summary struct {
		KnowledgeBaseID string    `json:"knowledgeBaseId"`
		DataSourceID    string    `json:"dataSourceId"`
		Name            string    `json:"name"`
		Status          string    `json:"status"`
		Description     string    `json:"description,omitempty"`
		UpdatedAt       time.Time `json:"updatedAt"`
	}
	var all []summary
	for _, d := range k.DataSources {
		all = append(all, summary{d.KnowledgeBaseID, d.DataSourceID, d.Name, d.Status, d.Description, d.UpdatedAt})
	}
	return listedBody(c, "dataSourceSummaries", all)
}

func getDataSource(c *call) (*response, error) {
	k, err := c.knowledgeBase()
	if err != nil {
		return nil, err
	}
	d, err := c.dataSource(k)
	if err != nil {
		return nil, err
	}
	return c.json(map[string]any{"dataSource": d})
}

func listIngestionJobs(c *call) (*response, error) {
	k, err := c.knowledgeBase()
	if err != nil {
		return nil, err
	}
	d, err := c.dataSource(k)
	if err != nil {
		return nil, err
	}
	var all []*IngestionJob
	for _, j := range k.IngestionJobs {
		if j.DataSourceID == d.DataSourceID {
			all = append(all, j)
		}
	}
	return listedBody(c, "ingestionJobSummaries", all)
}

func getIngestionJob(c *call) (*response, error) {
	k, err := c.knowledgeBase()
	if err != nil {
		return nil, err
	}
	d, err := c.dataSource(k)
	if err != nil {
		return nil, err
	}
	for _, j := range k.IngestionJobs {
		if j.DataSourceID == d.DataSourceID && j.IngestionJobID == c.param("ingestionJobId") {
			return c.json(map[string]any{"ingestionJob": j})
		}
	}
	return nil, notFound("Ingestion job %s not found", c.param("ingestionJobId"))
}
