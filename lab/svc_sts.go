package lab

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stsService is AWS STS (awsQuery).
func stsService() *service {
	return &service{
		name:    "sts",
		signing: "sts",
		proto:   query{xmlns: "https://sts.amazonaws.com/doc/2011-06-15/"},
		route: namedRouter(action, map[string]operation{
			"GetCallerIdentity": {handler: getCallerIdentity},
			"AssumeRole":        {handler: assumeRole},
		}),
		throttle: throttling(http.StatusBadRequest, "Throttling"),
		internal: internalFailure(),
	}
}

type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

func getCallerIdentity(c *call) (*response, error) {
	return c.queryResult(callerIdentityResult{Arn: c.who.ARN, UserID: c.who.UserID, Account: c.who.Account})
}

type assumeRoleResult struct {
	XMLName     xml.Name `xml:"AssumeRoleResult"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
	PackedPolicySize int `xml:"PackedPolicySize,omitempty"`
}

var (
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// assumeRole hands out temporary credentials for a role whose trust policy
// names the caller's account or the caller.
func assumeRole(c *call) (*response, error) {
	f := c.form()
	roleARN, session := f.Get("RoleArn"), f.Get("RoleSessionName")
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, newAPIError(http.StatusBadRequest, "ValidationError", "%s is invalid", "roleArn")
	}
	if !sessionNamePattern.MatchString(session) {
		return nil, newAPIError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint", session)
	}
	dur := time.Hour
	if d := f.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, newAPIError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint", d)
		}
		dur = time.Duration(n) * time.Second
	}
	if c.who.SessionToken != "" && dur > time.Hour {
		return nil, newAPIError(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	denied := newAPIError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.who.ARN, roleARN)
	acct := c.srv.sc.Account(m[1])
	if acct == nil {
		return nil, denied
	}
	role := acct.IAM.role(m[2])
	if role == nil || role.ARN != roleARN || !trusts(role.AssumeRolePolicyDocument, c.who) {
		return nil, denied
	}
	if max := time.Duration(role.MaxSessionDuration) * time.Second; max > 0 && dur > max {
		return nil, newAPIError(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	p := c.srv.creds.mint(acct.ID, role.RoleName, role.RoleID, session, dur, time.Now())
	var out assumeRoleResult
	out.Credentials.AccessKeyID = p.AccessKeyID
	out.Credentials.SecretAccessKey = p.Secret
	out.Credentials.SessionToken = p.SessionToken
	out.Credentials.Expiration = p.Expires.UTC().Format(time.RFC3339)
	out.AssumedRoleUser.AssumedRoleID = p.UserID
	out.AssumedRoleUser.Arn = p.ARN
	return c.queryResult(out)
}

// trusts reports whether a trust policy lets a principal assume the role:
// it must name the principal's ARN or its account's root.
func trusts(policy string, p *principal) bool {
	return strings.Contains(policy, `"`+p.ARN+`"`) ||
		strings.Contains(policy, `"arn:aws:iam::`+p.Account+`:root"`) ||
		strings.Contains(policy, `"`+p.Account+`"`)
}

// role returns the role with the given name, or nil.
func (i *IAM) role(name string) *Role {
	for _, r := range i.Roles {
		if r.RoleName == name {
			return r
		}
	}
	return nil
}
