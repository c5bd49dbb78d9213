package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"
)

// Scenario is the state of an emulated AWS estate: an organization, its
// accounts, and per account and region the CloudTrail history and the
// resources the services answer about. Its JSON form is documented in
// SCENARIO.md. Resource types carry the member names of the AWS API models
// where the lab serves them as JSON, so the file reads like API responses.
type Scenario struct {
	Name         string       `json:"name"`
	Description  string       `json:"description,omitempty"`
	Organization Organization `json:"organization"`
	AccountList  []*Account   `json:"accounts"`
	// FoundationModels is the Bedrock model catalog, the same in every region.
	FoundationModels []*FoundationModel `json:"foundationModels,omitempty"`

	byID map[string]*Account
}

// Organization is the AWS Organizations organization the accounts belong to.
type Organization struct {
	ID                string `json:"id"`
	ManagementAccount string `json:"managementAccount"`
	// Responder is the IAM user, in the management account, whose
	// long-term key the server hands out as its responder credentials.
	Responder string `json:"responder"`
}

// Account is one AWS account.
type Account struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Status       string    `json:"status,omitempty"` // ACTIVE
	JoinedMethod string    `json:"joinedMethod,omitempty"`
	Joined       time.Time `json:"joined"`

	IAM     IAM                `json:"iam"`
	Buckets []*Bucket          `json:"buckets,omitempty"`
	Regions map[string]*Region `json:"regions,omitempty"`
}

// Region is what one account holds in one region.
type Region struct {
	// Events are CloudTrail records exactly as CloudTrail writes them; the
	// lab derives the LookupEvents fields from them.
	Events []json.RawMessage `json:"events,omitempty"`
	// DataEvents are CloudTrail data events (S3 object reads and writes,
	// Lambda invocations): delivered to trails that select data events,
	// never served by LookupEvents.
	DataEvents []json.RawMessage `json:"dataEvents,omitempty"`
	Trails     []*Trail          `json:"trails,omitempty"`

	Guardrails             []*Guardrail             `json:"guardrails,omitempty"`
	CustomModels           []*CustomModel           `json:"customModels,omitempty"`
	ImportedModels         []*ImportedModel         `json:"importedModels,omitempty"`
	CustomizationJobs      []*CustomizationJob      `json:"customizationJobs,omitempty"`
	ProvisionedThroughputs []*ProvisionedThroughput `json:"provisionedThroughputs,omitempty"`
	InferenceProfiles      []*InferenceProfile      `json:"inferenceProfiles,omitempty"`
	ModelAccess            []*ModelAccess           `json:"modelAccess,omitempty"`
	LoggingConfig          *LoggingConfig           `json:"loggingConfig,omitempty"`

	Agents         []*Agent         `json:"agents,omitempty"`
	KnowledgeBases []*KnowledgeBase `json:"knowledgeBases,omitempty"`
	Prompts        []*Prompt        `json:"prompts,omitempty"`
	Flows          []*Flow          `json:"flows,omitempty"`
	Functions      []*Function      `json:"functions,omitempty"`
	LogGroups      []*LogGroup      `json:"logGroups,omitempty"`
	Keys           []*Key           `json:"keys,omitempty"`

	SageMakerModels    []*SageMakerModel    `json:"sageMakerModels,omitempty"`
	ModelPackageGroups []*ModelPackageGroup `json:"modelPackageGroups,omitempty"`
	ModelPackages      []*ModelPackage      `json:"modelPackages,omitempty"` // unversioned, in no group
	EndpointConfigs    []*EndpointConfig    `json:"endpointConfigs,omitempty"`
	Endpoints          []*Endpoint          `json:"endpoints,omitempty"`

	events []*event // parsed from Events, newest first
}

// LoadScenario reads a scenario from a JSON file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab: load scenario: %w", err)
	}
	var s Scenario
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("lab: load scenario %s: %w", path, err)
	}
	if err := s.index(); err != nil {
		return nil, fmt.Errorf("lab: load scenario %s: %w", path, err)
	}
	return &s, nil
}

// index validates the scenario and builds the lookups the server uses.
func (s *Scenario) index() error {
	if len(s.AccountList) == 0 {
		return errors.New("no accounts")
	}
	s.byID = make(map[string]*Account, len(s.AccountList))
	for _, a := range s.AccountList {
		if !isAccountID(a.ID) {
			return fmt.Errorf("account id %q is not 12 digits", a.ID)
		}
		if _, dup := s.byID[a.ID]; dup {
			return fmt.Errorf("account %s listed twice", a.ID)
		}
		s.byID[a.ID] = a
		for name, r := range a.Regions {
			if err := r.indexEvents(); err != nil {
				return fmt.Errorf("account %s region %s: %w", a.ID, name, err)
			}
		}
		for _, b := range a.Buckets {
			index(b.Objects)
		}
	}
	if s.Organization.ManagementAccount == "" {
		s.Organization.ManagementAccount = s.AccountList[0].ID
	}
	if s.byID[s.Organization.ManagementAccount] == nil {
		return fmt.Errorf("management account %s is not among the accounts", s.Organization.ManagementAccount)
	}
	if s.Organization.ID == "" {
		s.Organization.ID = "o-lab0000000"
	}
	if s.Organization.Responder == "" {
		s.Organization.Responder = "responder"
	}
	s.indexTrails()
	return nil
}

func isAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Account returns the account with the given id, or nil.
func (s *Scenario) Account(id string) *Account { return s.byID[id] }

// region returns the data of an account in a region, or nil.
func (s *Scenario) region(account, region string) *Region {
	a := s.byID[account]
	if a == nil {
		return nil
	}
	return a.Regions[region]
}

// Accounts lists the account ids, management account first, then in the
// order the scenario lists them.
func (s *Scenario) Accounts() []string {
	ids := []string{s.Organization.ManagementAccount}
	for _, a := range s.AccountList {
		if a.ID != s.Organization.ManagementAccount {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// Regions lists, sorted, the regions in which some account holds data.
func (s *Scenario) Regions() []string {
	seen := map[string]bool{}
	for _, a := range s.AccountList {
		for name := range a.Regions {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Window returns a time range that covers every CloudTrail event and every
// log event (invocation logs included) of the scenario: since is the
// earliest, until is one second past the latest. Both are zero if there
// are none.
func (s *Scenario) Window() (since, until time.Time) {
	widen := func(t time.Time) {
		if since.IsZero() || t.Before(since) {
			since = t
		}
		if t.After(until) {
			until = t
		}
	}
	for _, a := range s.AccountList {
		for _, r := range a.Regions {
			if len(r.events) > 0 {
				widen(r.events[0].Time)
				widen(r.events[len(r.events)-1].Time)
			}
			// Invocation logs and other log events are evidence too.
			for _, g := range r.LogGroups {
				for _, st := range g.Streams {
					for _, e := range st.Events {
						widen(e.Timestamp)
					}
				}
			}
		}
	}
	if !until.IsZero() {
		until = until.Add(time.Second)
	}
	return since, until
}

// EventIDs returns, newest first, the ids of the events LookupEvents returns
// for an account and region between since and until (both inclusive).
func (s *Scenario) EventIDs(account, region string, since, until time.Time) []string {
	r := s.region(account, region)
	if r == nil {
		return nil
	}
	var ids []string
	for _, e := range r.eventsBetween(since, until) {
		ids = append(ids, e.ID)
	}
	return ids
}

// eventsBetween returns the events with since <= time <= until, newest
// first. A zero bound is open.
func (r *Region) eventsBetween(since, until time.Time) []*event {
	// events are sorted newest first: find the first not after until and
	// the first before since.
	lo := 0
	if !until.IsZero() {
		lo = sort.Search(len(r.events), func(i int) bool { return !r.events[i].Time.After(until) })
	}
	hi := len(r.events)
	if !since.IsZero() {
		hi = sort.Search(len(r.events), func(i int) bool { return r.events[i].Time.Before(since) })
	}
	if lo >= hi {
		return nil
	}
	return r.events[lo:hi]
}

// eventCount is the number of CloudTrail events in the scenario.
func (s *Scenario) eventCount() int {
	n := 0
	for _, a := range s.AccountList {
		for _, r := range a.Regions {
			n += len(r.events)
		}
	}
	return n
}

// sortedRegionNames returns the region names of an account, sorted.
func (a *Account) sortedRegionNames() []string {
	names := make([]string, 0, len(a.Regions))
	for name := range a.Regions {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
