package lab

import "net/http"

// accountService is the AWS Account Management API (restJson1).
func accountService() *service {
	return &service{
		name:    "account",
		signing: "account",
		proto:   restJSON{},
		route: restRouter([]restRoute{
			{"POST", "/listRegions", "ListRegions", operation{handler: listRegions}},
			{"POST", "/getRegionOptStatus", "GetRegionOptStatus", operation{handler: getRegionOptStatus}},
			{"POST", "/enableRegion", "EnableRegion", refused},
			{"POST", "/disableRegion", "DisableRegion", refused},
		}),
		throttle: throttling(http.StatusTooManyRequests, "TooManyRequestsException"),
		internal: newAPIError(http.StatusInternalServerError, "InternalServerException", "internal server error"),
	}
}

// commercialRegions are enabled by default in every account; optInRegions
// are listed as disabled.
var (
	commercialRegions = []string{
		"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
		"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
		"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
	}
	optInRegions = []string{
		"af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ca-west-1",
		"eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1",
	}
)

// regionEnabled reports whether requests to a region are answered: the
// commercial regions enabled by default, and any region the scenario holds
// data in.
func (s *Server) regionEnabled(region string) bool { return s.enabled[region] }

func enabledRegions(sc *Scenario) map[string]bool {
	m := map[string]bool{}
	for _, r := range append(sc.Regions(), commercialRegions...) {
		m[r] = true
	}
	return m
}

type regionStatus struct {
	RegionName      string
	RegionOptStatus string
}

func allRegionStatuses() []regionStatus {
	var out []regionStatus
	for _, r := range commercialRegions {
		out = append(out, regionStatus{r, "ENABLED_BY_DEFAULT"})
	}
	for _, r := range optInRegions {
		out = append(out, regionStatus{r, "DISABLED"})
	}
	return out
}

// accountTarget checks an optional AccountId: only the management account
// may name another account of the organization.
func (c *call) accountTarget(id string) error {
	if id == "" || id == c.account {
		return nil
	}
	if err := c.requireManagement(); err != nil {
		return newAPIError(http.StatusForbidden, "AccessDeniedException", "User: %s is not authorized to perform this operation on account %s", c.who.ARN, id)
	}
	if c.srv.sc.Account(id) == nil {
		return newAPIError(http.StatusBadRequest, "ValidationException", "account %s is not a member of the organization", id)
	}
	return nil
}

func listRegions(c *call) (*response, error) {
	var in struct {
		AccountId               string
		MaxResults              int
		NextToken               string
		RegionOptStatusContains []string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.accountTarget(in.AccountId); err != nil {
		return nil, err
	}
	var all []regionStatus
	for _, r := range allRegionStatuses() {
		if len(in.RegionOptStatusContains) == 0 || contains(in.RegionOptStatusContains, r.RegionOptStatus) {
			all = append(all, r)
		}
	}
	items, next, err := page(all, "account/ListRegions", in.NextToken, in.MaxResults, 20, 50, invalidToken("ValidationException"))
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		Regions   []regionStatus
		NextToken string `json:",omitempty"`
	}{items, next})
}

func getRegionOptStatus(c *call) (*response, error) {
	var in struct{ AccountId, RegionName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.accountTarget(in.AccountId); err != nil {
		return nil, err
	}
	for _, r := range allRegionStatuses() {
		if r.RegionName == in.RegionName {
			return c.json(r)
		}
	}
	return nil, newAPIError(http.StatusBadRequest, "ValidationException", "unknown region %q", in.RegionName)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
