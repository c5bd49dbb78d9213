package lab

import (
	"strings"
	"time"
)

// actor is who makes calls in the built-in scenario, and from where.
type actor struct {
	ident   recordIdent
	ip, ua  string
	console bool
}

// userActor is an IAM user calling with a long-term key.
func userActor(account, user, userID, akid, ip, ua string) actor {
	return actor{
		ident: recordIdent{
			Type: "IAMUser", PrincipalID: userID, ARN: "arn:aws:iam::" + account + ":user/" + user,
			AccountID: account, AccessKeyID: akid, UserName: user,
		},
		ip: ip, ua: ua,
	}
}

// roleActor is an assumed-role session. A fresh temporary key is drawn for
// each actor.
func (g *gen) roleActor(account, role, roleID, session, ip, ua string, created time.Time) actor {
	return actor{
		ident: recordIdent{
			Type:        "AssumedRole",
			PrincipalID: roleID + ":" + session,
			ARN:         "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session,
			AccountID:   account,
			AccessKeyID: "ASIA" + g.alnum(16, keyAlphabet),
			SessionContext: &recordSession{
				SessionIssuer: &recordIssuer{
					Type: "Role", PrincipalID: roleID, ARN: "arn:aws:iam::" + account + ":role/" + role,
					AccountID: account, UserName: role,
				},
				Attributes: recordSessAttr{CreationDate: ctTime(created), MFAAuthenticated: "false"},
			},
		},
		ip: ip, ua: ua,
	}
}

// serviceActor is an AWS service acting on the account's behalf.
func serviceActor(service string) actor {
	return actor{ident: recordIdent{Type: "AWSService", InvokedBy: service}, ip: service, ua: service}
}

// ev is one API call to record.
type ev struct {
	source   string // e.g. bedrock.amazonaws.com
	name     string
	readOnly bool
	req      any
	resp     any
	extra    any
	res      []recordRes
	errCode  string
	errMsg   string
	host     string // TLS host header; derived from source when empty
	region   string // awsRegion, when it differs from the account-region the event lands in
	data     bool   // a data event: delivered to trails, not served by LookupEvents
}

// globalSources record in us-east-1 whatever region the caller names.
var globalSources = map[string]bool{
	"iam.amazonaws.com": true, "organizations.amazonaws.com": true, "signin.amazonaws.com": true,
	"account.amazonaws.com": true,
}

// emit records one CloudTrail event in an account's region and returns its
// id. Events of global services land in us-east-1.
func (g *gen) emit(a *Account, region string, t time.Time, who actor, e ev) string {
	if globalSources[e.source] {
		region = "us-east-1"
	}
	awsRegion := region
	if e.region != "" {
		awsRegion = e.region
	}
	rec := &record{
		EventVersion:        eventVersion(e.source),
		UserIdentity:        who.ident,
		EventTime:           ctTime(t),
		EventSource:         e.source,
		EventName:           e.name,
		AWSRegion:           awsRegion,
		SourceIPAddress:     who.ip,
		UserAgent:           who.ua,
		ErrorCode:           e.errCode,
		ErrorMessage:        e.errMsg,
		RequestParameters:   e.req,
		ResponseElements:    e.resp,
		AdditionalEventData: e.extra,
		RequestID:           g.uuid(),
		EventID:             g.eventID(),
		ReadOnly:            e.readOnly,
		Resources:           e.res,
		EventType:           "AwsApiCall",
		ManagementEvent:     true,
		RecipientAccountID:  a.ID,
		EventCategory:       "Management",
	}
	if e.data {
		rec.ManagementEvent, rec.EventCategory = false, "Data"
	}
	if who.ident.Type == "AWSService" {
		rec.EventType = "AwsServiceEvent"
		rec.RequestID = ""
		rec.SharedEventID = g.uuid()
	} else {
		host := e.host
		if host == "" {
			host = hostOf(e.source, region)
		}
		rec.TLSDetails = &recordTLS{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: host}
	}
	if e.source == "signin.amazonaws.com" {
		rec.EventType = "AwsConsoleSignIn"
	}
	if who.console {
		rec.SessionFromConsole = "true"
	}
	if who.ident.SessionContext != nil && who.ident.Type == "AssumedRole" {
		// Session creation cannot postdate the call.
		if c, err := time.Parse(cloudTrailTime, who.ident.SessionContext.Attributes.CreationDate); err == nil && c.After(t) {
			ident := who.ident
			sc := *ident.SessionContext
			sc.Attributes.CreationDate = ctTime(t.Add(-17 * time.Minute))
			ident.SessionContext = &sc
			rec.UserIdentity = ident
		}
	}
	if g.o.BeforeIncident && !t.Before(g.incidentStart()) {
		return rec.EventID // drawn all the same, so the history before the attack is the same in both
	}
	r := a.Regions[region]
	if r == nil {
		r = &Region{}
		a.Regions[region] = r
	}
	raw := rec.marshal()
	if e.data {
		r.DataEvents = append(r.DataEvents, raw)
		return rec.EventID
	}
	r.Events = append(r.Events, raw)
	r.events = append(r.events, eventOf(rec, raw))
	return rec.EventID
}

// eventVersion is the record version CloudTrail writes for a source.
func eventVersion(source string) string {
	switch {
	case strings.HasPrefix(source, "bedrock"):
		return "1.10"
	case source == "signin.amazonaws.com", source == "sts.amazonaws.com":
		return "1.08"
	case source == "s3.amazonaws.com", source == "kms.amazonaws.com":
		return "1.11"
	}
	return "1.09"
}

// hostOf is the endpoint a client reaches for a source in a region.
func hostOf(source, region string) string {
	svc := strings.TrimSuffix(source, ".amazonaws.com")
	switch svc {
	case "iam", "organizations", "account":
		return svc + ".amazonaws.com"
	case "signin":
		return "signin.aws.amazon.com"
	case "s3":
		return "s3." + region + ".amazonaws.com"
	case "monitoring":
		return "monitoring." + region + ".amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

// res is a CloudTrail resources element.
func res(typ, arn string) []recordRes { return []recordRes{{ARN: arn, Type: typ}} }

// m is shorthand for the request and response documents of records.
type m = map[string]any
