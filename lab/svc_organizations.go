package lab

import "net/http"

// organizationsService is AWS Organizations (awsJson1_1).
func organizationsService() *service {
	p := jsonRPC{prefix: "AWSOrganizationsV20161128"}
	return &service{
		name:    "organizations",
		signing: "organizations",
		proto:   p,
		route: namedRouter(p.target, map[string]operation{
			"ListAccounts":         {handler: listAccounts},
			"DescribeOrganization": {handler: describeOrganization},
			"DescribeAccount":      {handler: describeAccount},
		}),
		throttle: throttling(http.StatusBadRequest, "TooManyRequestsException"),
		internal: newAPIError(http.StatusInternalServerError, "ServiceException", "AWS Organizations can't complete your request because of an internal service error."),
	}
}

type orgAccount struct {
	ID              string `json:"Id"`
	Arn             string `json:"Arn"`
	Email           string `json:"Email"`
	Name            string `json:"Name"`
	Status          string `json:"Status"`
	State           string `json:"State"`
	JoinedMethod    string `json:"JoinedMethod"`
	JoinedTimestamp epoch  `json:"JoinedTimestamp"`
}

func (c *call) orgAccount(a *Account) orgAccount {
	o := c.srv.sc.Organization
	status := a.Status
	if status == "" {
		status = "ACTIVE"
	}
	method := a.JoinedMethod
	if method == "" {
		method = "CREATED"
		if a.ID == o.ManagementAccount {
			method = "INVITED"
		}
	}
	return orgAccount{
		ID:              a.ID,
		Arn:             "arn:aws:organizations::" + o.ManagementAccount + ":account/" + o.ID + "/" + a.ID,
		Email:           a.Email,
		Name:            a.Name,
		Status:          status,
		State:           status,
		JoinedMethod:    method,
		JoinedTimestamp: epoch(a.Joined),
	}
}

// requireManagement refuses callers outside the management account, as
// Organizations does for its read APIs.
func (c *call) requireManagement() error {
	if c.account != c.srv.sc.Organization.ManagementAccount {
		return newAPIError(http.StatusBadRequest, "AccessDeniedException", "You don't have permissions to access this resource.")
	}
	return nil
}

func listAccounts(c *call) (*response, error) {
	if err := c.requireManagement(); err != nil {
		return nil, err
	}
	var in struct {
		NextToken  string
		MaxResults int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 20 {
		return nil, newAPIError(http.StatusBadRequest, "InvalidInputException", "MaxResults must be between 1 and 20")
	}
	all := c.srv.sc.AccountList
	items, next, err := page(all, "organizations/ListAccounts", in.NextToken, in.MaxResults, 20, 20, invalidToken("InvalidInputException"))
	if err != nil {
		return nil, err
	}
	out := struct {
		Accounts  []orgAccount
		NextToken string `json:",omitempty"`
	}{Accounts: []orgAccount{}, NextToken: next}
	for _, a := range items {
		out.Accounts = append(out.Accounts, c.orgAccount(a))
	}
	return c.json(out)
}

func describeAccount(c *call) (*response, error) {
	if err := c.requireManagement(); err != nil {
		return nil, err
	}
	var in struct{ AccountId string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	a := c.srv.sc.Account(in.AccountId)
	if a == nil {
		return nil, newAPIError(http.StatusBadRequest, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return c.json(map[string]orgAccount{"Account": c.orgAccount(a)})
}

func describeOrganization(c *call) (*response, error) {
	o := c.srv.sc.Organization
	mgmt := c.srv.sc.Account(o.ManagementAccount)
	type org struct {
		Id                   string
		Arn                  string
		FeatureSet           string
		MasterAccountArn     string
		MasterAccountId      string
		MasterAccountEmail   string
		AvailablePolicyTypes []struct{} `json:"AvailablePolicyTypes"`
	}
	return c.json(map[string]org{"Organization": {
		Id:                   o.ID,
		Arn:                  "arn:aws:organizations::" + o.ManagementAccount + ":organization/" + o.ID,
		FeatureSet:           "ALL",
		MasterAccountArn:     "arn:aws:organizations::" + o.ManagementAccount + ":account/" + o.ID + "/" + o.ManagementAccount,
		MasterAccountId:      o.ManagementAccount,
		MasterAccountEmail:   mgmt.Email,
		AvailablePolicyTypes: []struct{}{},
	}})
}
