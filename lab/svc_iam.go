package lab

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// iamService is AWS IAM (awsQuery). Policy documents are URL-encoded on the
// wire, as IAM sends them.
func iamService() *service {
	return &service{
		name:    "iam",
		signing: "iam",
		proto:   query{xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"},
		route: namedRouter(action, map[string]operation{
			"ListRoles":                {handler: iamListRoles},
			"GetRole":                  {handler: iamGetRole},
			"ListRolePolicies":         {handler: iamListRolePolicies},
			"GetRolePolicy":            {handler: iamGetRolePolicy},
			"ListAttachedRolePolicies": {handler: iamListAttachedRolePolicies},
			"GetPolicy":                {handler: iamGetPolicy},
			"GetPolicyVersion":         {handler: iamGetPolicyVersion},
			"ListPolicyVersions":       {handler: iamListPolicyVersions},
			"ListPolicies":             {handler: iamListPolicies},
			"ListUsers":                {handler: iamListUsers},
			"GetUser":                  {handler: iamGetUser},
			"ListAccessKeys":           {handler: iamListAccessKeys},
			"GetAccessKeyLastUsed":     {handler: iamGetAccessKeyLastUsed},
			"ListUserPolicies":         {handler: iamListUserPolicies},
			"GetUserPolicy":            {handler: iamGetUserPolicy},
			"ListAttachedUserPolicies": {handler: iamListAttachedUserPolicies},
		}),
		throttle: throttling(http.StatusBadRequest, "Throttling"),
		internal: newAPIError(http.StatusInternalServerError, "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure."),
	}
}

// iamTime is IAM's timestamp format.
func iamTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// encodeDoc URL-encodes a policy document as IAM returns it.
func encodeDoc(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

func noSuchEntity(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, "NoSuchEntity", format, args...)
}

// iamPage pages a listing by Marker and MaxItems (default 100, at most 1000).
func iamPage[T any](c *call, items []T) ([]T, string, error) {
	f := c.form()
	max := 0
	if v := f.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, "", newAPIError(http.StatusBadRequest, "ValidationError", "MaxItems must be between 1 and 1000")
		}
		max = n
	}
	scope := c.op + "|" + c.account + "|" + f.Get("RoleName") + f.Get("UserName") + f.Get("PolicyArn") + f.Get("PathPrefix") + f.Get("Scope")
	return page(items, scope, f.Get("Marker"), max, 100, 1000, newAPIError(http.StatusBadRequest, "ValidationError", "Invalid Marker"))
}

// truncation is the IsTruncated/Marker pair of IAM listings.
type truncation struct {
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func trunc(next string) truncation { return truncation{IsTruncated: next != "", Marker: next} }

func (c *call) iam() *IAM { return &c.srv.sc.Account(c.account).IAM }

type roleXML struct {
	Path                     string       `xml:"Path"`
	RoleName                 string       `xml:"RoleName"`
	RoleID                   string       `xml:"RoleId"`
	Arn                      string       `xml:"Arn"`
	CreateDate               string       `xml:"CreateDate"`
	AssumeRolePolicyDocument string       `xml:"AssumeRolePolicyDocument"`
	Description              string       `xml:"Description,omitempty"`
	MaxSessionDuration       int32        `xml:"MaxSessionDuration"`
	RoleLastUsed             *lastUsedXML `xml:"RoleLastUsed"`
}

type lastUsedXML struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	Region       string `xml:"Region,omitempty"`
}

func roleOut(r *Role) roleXML {
	out := roleXML{Path: r.Path, RoleName: r.RoleName, RoleID: r.RoleID, Arn: r.ARN, CreateDate: iamTime(r.CreateDate),
		AssumeRolePolicyDocument: encodeDoc(r.AssumeRolePolicyDocument), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration,
		RoleLastUsed: &lastUsedXML{}}
	if !r.LastUsedDate.IsZero() {
		out.RoleLastUsed = &lastUsedXML{LastUsedDate: iamTime(r.LastUsedDate), Region: r.LastUsedRegion}
	}
	return out
}

func iamListRoles(c *call) (*response, error) {
	prefix := c.form().Get("PathPrefix")
	var roles []roleXML
	for _, r := range c.iam().Roles {
		if strings.HasPrefix(r.Path, prefix) {
			out := roleOut(r)
			out.RoleLastUsed = nil // ListRoles does not report last use
			roles = append(roles, out)
		}
	}
	items, next, err := iamPage(c, roles)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName xml.Name  `xml:"ListRolesResult"`
		Roles   []roleXML `xml:"Roles>member"`
		truncation
	}{Roles: items, truncation: trunc(next)})
}

func (c *call) namedRole() (*Role, error) {
	name := c.form().Get("RoleName")
	if r := c.iam().role(name); r != nil {
		return r, nil
	}
	return nil, noSuchEntity("The role with name %s cannot be found.", name)
}

func iamGetRole(c *call) (*response, error) {
	r, err := c.namedRole()
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName xml.Name `xml:"GetRoleResult"`
		Role    roleXML  `xml:"Role"`
	}{Role: roleOut(r)})
}

// policyNames lists inline policy names, sorted, paged.
func (c *call) policyNames(policies map[string]string) (*response, error) {
	names := sortedKeys(policies)
	items, next, err := iamPage(c, names)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName     xml.Name
		PolicyNames []string `xml:"PolicyNames>member"`
		truncation
	}{XMLName: xml.Name{Local: c.op + "Result"}, PolicyNames: nonNil(items), truncation: trunc(next)})
}

func iamListRolePolicies(c *call) (*response, error) {
	r, err := c.namedRole()
	if err != nil {
		return nil, err
	}
	return c.policyNames(r.InlinePolicies)
}

// inlinePolicy answers GetRolePolicy and GetUserPolicy.
func (c *call) inlinePolicy(kind, owner string, policies map[string]string) (*response, error) {
	name := c.form().Get("PolicyName")
	doc, ok := policies[name]
	if !ok {
		return nil, noSuchEntity("The %s policy with name %s cannot be found.", kind, name)
	}
	type result struct {
		XMLName        xml.Name
		RoleName       string `xml:"RoleName,omitempty"`
		UserName       string `xml:"UserName,omitempty"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}
	out := result{XMLName: xml.Name{Local: c.op + "Result"}, PolicyName: name, PolicyDocument: encodeDoc(doc)}
	if kind == "role" {
		out.RoleName = owner
	} else {
		out.UserName = owner
	}
	return c.queryResult(out)
}

func iamGetRolePolicy(c *call) (*response, error) {
	r, err := c.namedRole()
	if err != nil {
		return nil, err
	}
	return c.inlinePolicy("role", r.RoleName, r.InlinePolicies)
}

// attached answers ListAttachedRolePolicies and ListAttachedUserPolicies.
func (c *call) attached(arns []string) (*response, error) {
	type ap struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	var all []ap
	for _, arn := range arns {
		all = append(all, ap{arn[strings.LastIndexByte(arn, '/')+1:], arn})
	}
	items, next, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName          xml.Name
		AttachedPolicies []ap `xml:"AttachedPolicies>member"`
		truncation
	}{XMLName: xml.Name{Local: c.op + "Result"}, AttachedPolicies: items, truncation: trunc(next)})
}

func iamListAttachedRolePolicies(c *call) (*response, error) {
	r, err := c.namedRole()
	if err != nil {
		return nil, err
	}
	return c.attached(r.AttachedPolicies)
}

// findPolicy resolves a customer managed policy of the account or an AWS
// managed one.
func (c *call) findPolicy(arn string) (*ManagedPolicy, error) {
	for _, p := range c.iam().Policies {
		if p.ARN == arn {
			return p, nil
		}
	}
	for _, p := range awsManagedPolicies() {
		if p.ARN == arn {
			return p, nil
		}
	}
	return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

type policyXML struct {
	PolicyName       string `xml:"PolicyName"`
	PolicyID         string `xml:"PolicyId"`
	Arn              string `xml:"Arn"`
	Path             string `xml:"Path"`
	DefaultVersionID string `xml:"DefaultVersionId"`
	AttachmentCount  int32  `xml:"AttachmentCount"`
	IsAttachable     bool   `xml:"IsAttachable"`
	Description      string `xml:"Description,omitempty"`
	CreateDate       string `xml:"CreateDate"`
	UpdateDate       string `xml:"UpdateDate"`
}

func policyOut(p *ManagedPolicy) policyXML {
	return policyXML{p.PolicyName, p.PolicyID, p.ARN, p.Path, p.DefaultVersionID, p.AttachmentCount, true, p.Description, iamTime(p.CreateDate), iamTime(p.UpdateDate)}
}

func iamGetPolicy(c *call) (*response, error) {
	p, err := c.findPolicy(c.form().Get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName xml.Name  `xml:"GetPolicyResult"`
		Policy  policyXML `xml:"Policy"`
	}{Policy: policyOut(p)})
}

type policyVersionXML struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

func iamGetPolicyVersion(c *call) (*response, error) {
	f := c.form()
	p, err := c.findPolicy(f.Get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	for _, v := range p.Versions {
		if v.VersionID == f.Get("VersionId") {
			return c.queryResult(struct {
				XMLName       xml.Name         `xml:"GetPolicyVersionResult"`
				PolicyVersion policyVersionXML `xml:"PolicyVersion"`
			}{PolicyVersion: policyVersionXML{encodeDoc(v.Document), v.VersionID, v.VersionID == p.DefaultVersionID, iamTime(v.CreateDate)}})
		}
	}
	return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, f.Get("VersionId"))
}

func iamListPolicyVersions(c *call) (*response, error) {
	p, err := c.findPolicy(c.form().Get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	var all []policyVersionXML
	for i := len(p.Versions) - 1; i >= 0; i-- {
		v := p.Versions[i]
		all = append(all, policyVersionXML{"", v.VersionID, v.VersionID == p.DefaultVersionID, iamTime(v.CreateDate)})
	}
	items, next, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName  xml.Name           `xml:"ListPolicyVersionsResult"`
		Versions []policyVersionXML `xml:"Versions>member"`
		truncation
	}{Versions: items, truncation: trunc(next)})
}

func iamListPolicies(c *call) (*response, error) {
	var all []policyXML
	scope := c.form().Get("Scope")
	if scope != "AWS" {
		for _, p := range c.iam().Policies {
			all = append(all, policyOut(p))
		}
	}
	if scope != "Local" {
		for _, p := range awsManagedPolicies() {
			all = append(all, policyOut(p))
		}
	}
	items, next, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName  xml.Name    `xml:"ListPoliciesResult"`
		Policies []policyXML `xml:"Policies>member"`
		truncation
	}{Policies: items, truncation: trunc(next)})
}

type userXML struct {
	Path             string `xml:"Path"`
	UserName         string `xml:"UserName"`
	UserID           string `xml:"UserId"`
	Arn              string `xml:"Arn"`
	CreateDate       string `xml:"CreateDate"`
	PasswordLastUsed string `xml:"PasswordLastUsed,omitempty"`
}

func userOut(u *User) userXML {
	return userXML{Path: u.Path, UserName: u.UserName, UserID: u.UserID, Arn: u.ARN, CreateDate: iamTime(u.CreateDate)}
}

func iamListUsers(c *call) (*response, error) {
	var all []userXML
	for _, u := range c.iam().Users {
		all = append(all, userOut(u))
	}
	items, next, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName xml.Name  `xml:"ListUsersResult"`
		Users   []userXML `xml:"Users>member"`
		truncation
	}{Users: items, truncation: trunc(next)})
}

// namedUser resolves UserName, or the caller when it is an IAM user and no
// name is given.
func (c *call) namedUser() (*User, error) {
	name := c.form().Get("UserName")
	for _, u := range c.iam().Users {
		if u.UserName == name || (name == "" && u.ARN == c.who.ARN) {
			return u, nil
		}
	}
	return nil, noSuchEntity("The user with name %s cannot be found.", name)
}

func iamGetUser(c *call) (*response, error) {
	u, err := c.namedUser()
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName xml.Name `xml:"GetUserResult"`
		User    userXML  `xml:"User"`
	}{User: userOut(u)})
}

func iamListAccessKeys(c *call) (*response, error) {
	u, err := c.namedUser()
	if err != nil {
		return nil, err
	}
	type key struct {
		UserName    string `xml:"UserName"`
		AccessKeyID string `xml:"AccessKeyId"`
		Status      string `xml:"Status"`
		CreateDate  string `xml:"CreateDate"`
	}
	var all []key
	for _, k := range u.AccessKeys {
		all = append(all, key{u.UserName, k.AccessKeyID, k.Status, iamTime(k.CreateDate)})
	}
	items, next, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return c.queryResult(struct {
		XMLName           xml.Name `xml:"ListAccessKeysResult"`
		AccessKeyMetadata []key    `xml:"AccessKeyMetadata>member"`
		truncation
	}{AccessKeyMetadata: items, truncation: trunc(next)})
}

func iamGetAccessKeyLastUsed(c *call) (*response, error) {
	id := c.form().Get("AccessKeyId")
	for _, u := range c.iam().Users {
		for _, k := range u.AccessKeys {
			if k.AccessKeyID != id {
				continue
			}
			type used struct {
				LastUsedDate string `xml:"LastUsedDate,omitempty"`
				ServiceName  string `xml:"ServiceName"`
				Region       string `xml:"Region"`
			}
			out := used{ServiceName: "N/A", Region: "N/A"}
			if !k.LastUsedDate.IsZero() {
				out = used{iamTime(k.LastUsedDate), k.LastUsedService, k.LastUsedRegion}
			}
			return c.queryResult(struct {
				XMLName           xml.Name `xml:"GetAccessKeyLastUsedResult"`
				UserName          string   `xml:"UserName"`
				AccessKeyLastUsed used     `xml:"AccessKeyLastUsed"`
			}{UserName: u.UserName, AccessKeyLastUsed: out})
		}
	}
	return nil, newAPIError(http.StatusForbidden, "AccessDenied", "The access key %s does not belong to this account", id)
}

func iamListUserPolicies(c *call) (*response, error) {
	u, err := c.namedUser()
	if err != nil {
		return nil, err
	}
	return c.policyNames(u.InlinePolicies)
}

func iamGetUserPolicy(c *call) (*response, error) {
	u, err := c.namedUser()
	if err != nil {
		return nil, err
	}
	return c.inlinePolicy("user", u.UserName, u.InlinePolicies)
}

func iamListAttachedUserPolicies(c *call) (*response, error) {
	u, err := c.namedUser()
	if err != nil {
		return nil, err
	}
	return c.attached(u.AttachedPolicies)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
