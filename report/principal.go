package report

import (
	"encoding/json"
	"net"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// identity is who made a call, at the level a responder reasons about: the
// IAM user or root for long-term credentials, the role for role sessions
// (every session of a role is one identity), the service for AWS services.
func identity(ev *schemas.CloudTrailEvent) string {
	switch ev.UserIdentityType {
	case "AssumedRole":
		if ev.SessionIssuerARN != "" {
			return ev.SessionIssuerARN
		}
	case "AWSService":
		if ev.UserIdentityARN == "" {
			if s := invokedBy(ev); s != "" {
				return s
			}
			return "aws-service"
		}
	}
	if ev.UserIdentityARN != "" {
		return ev.UserIdentityARN
	}
	if ev.ActorUserUID != "" {
		return ev.ActorUserUID
	}
	if ev.UserIdentityType != "" {
		return ev.UserIdentityType
	}
	return "unknown"
}

// invocationIdentity is the identity of a model-invocation log record at
// the level identity gives CloudTrail events: a role session's ARN
// (arn:aws:sts::A:assumed-role/R/S) becomes its role's (arn:aws:iam::A:role/R),
// since sessions rotate and a role's use spans them.
func invocationIdentity(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[2] != "sts" || !strings.HasPrefix(parts[5], "assumed-role/") {
		return arn
	}
	rest := strings.TrimPrefix(parts[5], "assumed-role/")
	role := rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		role = rest[:i]
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + role
}

// invokedBy reads userIdentity.invokedBy from the raw record. When the
// raw record was not read (no rule reads the raw column), it is the
// service name CloudTrail records as the source address of a call a
// service made on the account's behalf, which names the same service.
func invokedBy(ev *schemas.CloudTrailEvent) string {
	if ev.Raw == "" {
		if s := ev.SourceIPAddress; strings.HasSuffix(s, ".amazonaws.com") && net.ParseIP(s) == nil {
			return s
		}
		return ""
	}
	var r struct {
		UserIdentity struct {
			InvokedBy string `json:"invokedBy"`
		} `json:"userIdentity"`
	}
	if json.Unmarshal([]byte(ev.Raw), &r) == nil {
		return r.UserIdentity.InvokedBy
	}
	return ""
}

// longTerm reports whether the call was made with a long-term access key
// (AKIA…) of an IAM user or root, rather than temporary credentials.
func longTerm(ev *schemas.CloudTrailEvent) bool {
	return strings.HasPrefix(ev.AccessKeyID, "AKIA")
}

// failed reports whether the call returned an error.
func failed(ev *schemas.CloudTrailEvent) bool {
	return ev.ErrorCode != nil && *ev.ErrorCode != ""
}

// denied reports whether the call was refused for lack of permission.
func denied(ev *schemas.CloudTrailEvent) bool {
	if ev.ErrorCode == nil {
		return false
	}
	c := *ev.ErrorCode
	return strings.Contains(c, "AccessDenied") || c == "UnauthorizedOperation" || c == "Client.UnauthorizedOperation" ||
		strings.Contains(c, "NotAuthorized") || c == "UnauthorizedAccess"
}

// service is the event source without .amazonaws.com.
func service(ev *schemas.CloudTrailEvent) string {
	return strings.TrimSuffix(ev.EventSource, ".amazonaws.com")
}

// jsonField reads a top-level string field from a JSON object, or "".
func jsonField(doc *string, key string) string {
	if doc == nil || *doc == "" {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(*doc), &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

// shortARN is an ARN without its partition and service, for sentences:
// account:resource, so same-named roles of two accounts stay apart.
func shortARN(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return s
	}
	if parts[4] == "" {
		return parts[5]
	}
	return parts[4] + ":" + parts[5]
}
