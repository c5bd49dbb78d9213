package lab

import (
	"fmt"
	"net/http"
	"time"
)

// cloudtrailService is AWS CloudTrail (awsJson1_1).
func cloudtrailService() *service {
	p := jsonRPC{prefix: "CloudTrail_20131101"}
	throttle := throttling(http.StatusBadRequest, "ThrottlingException")
	return &service{
		name:    "cloudtrail",
		signing: "cloudtrail",
		proto:   p,
		route: namedRouter(p.target, map[string]operation{
			"LookupEvents":      {handler: lookupEvents},
			"DescribeTrails":    {handler: describeTrails},
			"GetTrailStatus":    {handler: getTrailStatus},
			"GetEventSelectors": {handler: getEventSelectors},
			"ListPublicKeys":    {handler: listPublicKeys},
			"GetTrail":          {handler: getTrail},
			"ListTrails":        {handler: listTrails},
		}),
		throttle: throttle,
		internal: internalFailure(),
		// LookupEvents: 2 requests per second per account per region.
		quotas: map[string]quota{"LookupEvents": {name: "LookupEvents", rate: 2, burst: 3, err: throttle}},
	}
}

type lookupAttribute struct {
	AttributeKey   string
	AttributeValue string
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute
	StartTime        *epoch
	EndTime          *epoch
	EventCategory    string
	MaxResults       *int
	NextToken        string
}

type lookupEvent struct {
	EventId         string
	EventName       string
	ReadOnly        string
	AccessKeyId     string `json:",omitempty"`
	EventTime       epoch
	EventSource     string
	Username        string `json:",omitempty"`
	Resources       []lookupResource
	CloudTrailEvent string
}

type lookupResource struct {
	ResourceType string
	ResourceName string
}

// lookupEvents serves management events newest first, 50 at most a page.
func lookupEvents(c *call) (*response, error) {
	var in lookupEventsInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	max := 50
	if in.MaxResults != nil {
		max = *in.MaxResults
		if max < 1 || max > 50 {
			return nil, newAPIError(http.StatusBadRequest, "InvalidMaxResultsException", "MaxResults must be between 1 and 50")
		}
	}
	if len(in.LookupAttributes) > 1 {
		return nil, newAPIError(http.StatusBadRequest, "InvalidLookupAttributesException", "You cannot specify more than one lookup attribute")
	}
	if in.EventCategory != "" && in.EventCategory != "insight" {
		return nil, newAPIError(http.StatusBadRequest, "InvalidEventCategoryException", "EventCategory %q is not valid", in.EventCategory)
	}
	var since, until time.Time
	if in.StartTime != nil {
		since = time.Time(*in.StartTime)
	}
	if in.EndTime != nil {
		until = time.Time(*in.EndTime)
	}
	if !since.IsZero() && !until.IsZero() && since.After(until) {
		return nil, newAPIError(http.StatusBadRequest, "InvalidTimeRangeException", "Start time must be before end time")
	}
	var events []*event
	if in.EventCategory == "" {
		events = c.data().eventsBetween(since, until)
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		match, err := attributeMatcher(a.AttributeKey, a.AttributeValue)
		if err != nil {
			return nil, err
		}
		var kept []*event
		for _, e := range events {
			if match(e) {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	scope := fmt.Sprintf("LookupEvents|%s|%s|%d|%d|%v", c.account, c.region, since.UnixMilli(), until.UnixMilli(), in.LookupAttributes)
	items, next, err := page(events, scope, in.NextToken, max, 50, 50, invalidToken("InvalidNextTokenException"))
	if err != nil {
		return nil, err
	}
	out := struct {
		Events    []lookupEvent
		NextToken string `json:",omitempty"`
	}{Events: make([]lookupEvent, 0, len(items)), NextToken: next}
	for _, e := range items {
		le := lookupEvent{
			EventId: e.ID, EventName: e.Name, ReadOnly: e.ReadOnly, AccessKeyId: e.AccessKeyID,
			EventTime: epoch(e.Time), EventSource: e.Source, Username: e.Username,
			Resources: []lookupResource{}, CloudTrailEvent: e.Raw,
		}
		for _, r := range e.Resources {
			le.Resources = append(le.Resources, lookupResource{ResourceType: r.Type, ResourceName: r.Name})
		}
		out.Events = append(out.Events, le)
	}
	return c.json(out)
}

// attributeMatcher returns the filter of one LookupEvents attribute.
func attributeMatcher(key, value string) (func(*event) bool, error) {
	switch key {
	case "EventId":
		return func(e *event) bool { return e.ID == value }, nil
	case "EventName":
		return func(e *event) bool { return e.Name == value }, nil
	case "ReadOnly":
		return func(e *event) bool { return e.ReadOnly == value }, nil
	case "Username":
		return func(e *event) bool { return e.Username == value }, nil
	case "EventSource":
		return func(e *event) bool { return e.Source == value }, nil
	case "AccessKeyId":
		return func(e *event) bool { return e.AccessKeyID == value }, nil
	case "ResourceType", "ResourceName":
		return func(e *event) bool {
			for _, r := range e.Resources {
				if (key == "ResourceType" && r.Type == value) || (key == "ResourceName" && r.Name == value) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, newAPIError(http.StatusBadRequest, "InvalidLookupAttributesException", "AttributeKey %q is not valid", key)
}

type trailOut struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	HomeRegion                 string
	TrailARN                   string
	LogFileValidationEnabled   bool
	CloudWatchLogsLogGroupArn  string `json:",omitempty"`
	CloudWatchLogsRoleArn      string `json:",omitempty"`
	KmsKeyId                   string `json:",omitempty"`
	HasCustomEventSelectors    bool
	HasInsightSelectors        bool
	IsOrganizationTrail        bool
}

// homedTrail is a trail with the region it lives in.
type homedTrail struct {
	*Trail
	home string
}

// trails returns the trails visible from the call's region: those homed
// there and, unless shadows are excluded, multi-region trails homed
// elsewhere.
func (c *call) trails(shadows bool) []homedTrail {
	acct := c.srv.sc.Account(c.account)
	if acct == nil {
		return nil
	}
	var out []homedTrail
	for _, name := range acct.sortedRegionNames() {
		for _, t := range acct.Regions[name].Trails {
			if name == c.region || (shadows && t.IsMultiRegion) {
				out = append(out, homedTrail{t, name})
			}
		}
	}
	return out
}

func (t homedTrail) out() trailOut {
	return trailOut{
		Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix,
		IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents, IsMultiRegionTrail: t.IsMultiRegion,
		HomeRegion: t.home, TrailARN: t.ARN, LogFileValidationEnabled: t.LogFileValidation,
		CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupARN, CloudWatchLogsRoleArn: t.CloudWatchLogsRoleARN,
		KmsKeyId: t.KMSKeyID, HasCustomEventSelectors: len(t.DataEvents) > 0 || len(t.Advanced) > 0,
		IsOrganizationTrail: t.IsOrganization,
	}
}

// findTrail resolves a trail by name or ARN.
func (c *call) findTrail(nameOrARN string) (homedTrail, error) {
	for _, t := range c.trails(true) {
		if t.Name == nameOrARN || t.ARN == nameOrARN {
			return t, nil
		}
	}
	return homedTrail{}, newAPIError(http.StatusBadRequest, "TrailNotFoundException", "Unknown trail: %s for the user: %s", nameOrARN, c.account)
}

// namedTrail resolves the trail named by the request's Name.
func (c *call) namedTrail() (homedTrail, error) {
	var in struct{ Name string }
	if err := c.decode(&in); err != nil {
		return homedTrail{}, err
	}
	return c.findTrail(in.Name)
}

func describeTrails(c *call) (*response, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	out := struct {
		TrailList []trailOut `json:"trailList"`
	}{TrailList: []trailOut{}}
	for _, t := range c.trails(shadows) {
		if len(in.TrailNameList) == 0 || contains(in.TrailNameList, t.Name) || contains(in.TrailNameList, t.ARN) {
			out.TrailList = append(out.TrailList, t.out())
		}
	}
	return c.json(out)
}

func getTrail(c *call) (*response, error) {
	t, err := c.namedTrail()
	if err != nil {
		return nil, err
	}
	return c.json(map[string]trailOut{"Trail": t.out()})
}

func listTrails(c *call) (*response, error) {
	type info struct{ TrailARN, Name, HomeRegion string }
	out := struct{ Trails []info }{Trails: []info{}}
	for _, t := range c.trails(true) {
		out.Trails = append(out.Trails, info{t.ARN, t.Name, t.home})
	}
	return c.json(out)
}

func getTrailStatus(c *call) (*response, error) {
	t, err := c.namedTrail()
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		IsLogging                      bool
		StartLoggingTime               *epoch `json:",omitempty"`
		LatestDeliveryTime             *epoch `json:",omitempty"`
		LatestDigestDeliveryTime       *epoch `json:",omitempty"`
		LatestDeliveryAttemptTime      string `json:",omitempty"`
		LatestDeliveryAttemptSucceeded string `json:",omitempty"`
		TimeLoggingStarted             string `json:",omitempty"`
	}{
		IsLogging:                      t.IsLogging,
		StartLoggingTime:               epochPtr(t.StartLoggingTime),
		LatestDeliveryTime:             epochPtr(t.LatestDeliveryTime),
		LatestDigestDeliveryTime:       epochPtr(t.LatestDeliveryTime),
		LatestDeliveryAttemptTime:      isoMillis(t.LatestDeliveryTime),
		LatestDeliveryAttemptSucceeded: isoMillis(t.LatestDeliveryTime),
		TimeLoggingStarted:             isoMillis(t.StartLoggingTime),
	})
}

// isoMillis formats a time as CloudTrail's status strings do.
func isoMillis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

type eventSelectorOut struct {
	ReadWriteType                 string
	IncludeManagementEvents       bool
	DataResources                 []dataResourceOut
	ExcludeManagementEventSources []string
}

type dataResourceOut struct {
	Type   string
	Values []string
}

type advancedSelectorOut struct {
	Name           string
	FieldSelectors []fieldSelectorOut
}

type fieldSelectorOut struct {
	Field      string
	Equals     []string `json:",omitempty"`
	StartsWith []string `json:",omitempty"`
	NotEquals  []string `json:",omitempty"`
}

func getEventSelectors(c *call) (*response, error) {
	var in struct{ TrailName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	t, err := c.findTrail(in.TrailName)
	if err != nil {
		return nil, err
	}
	if len(t.Advanced) > 0 {
		out := struct {
			TrailARN               string
			AdvancedEventSelectors []advancedSelectorOut
		}{TrailARN: t.ARN}
		for _, a := range t.Advanced {
			sel := advancedSelectorOut{Name: a.Name}
			for _, f := range a.FieldSelectors {
				sel.FieldSelectors = append(sel.FieldSelectors, fieldSelectorOut(f))
			}
			out.AdvancedEventSelectors = append(out.AdvancedEventSelectors, sel)
		}
		return c.json(out)
	}
	sel := eventSelectorOut{ReadWriteType: "All", IncludeManagementEvents: true, DataResources: []dataResourceOut{}, ExcludeManagementEventSources: []string{}}
	if len(t.DataEvents) > 0 {
		sel.DataResources = append(sel.DataResources, dataResourceOut{Type: "AWS::S3::Object", Values: t.DataEvents})
	}
	return c.json(struct {
		TrailARN       string
		EventSelectors []eventSelectorOut
	}{t.ARN, []eventSelectorOut{sel}})
}

func listPublicKeys(c *call) (*response, error) {
	var in struct {
		StartTime, EndTime *epoch
		NextToken          string
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	der, fingerprint := digestPublicKey()
	since, until := c.srv.sc.Window()
	type key struct {
		Value             []byte
		ValidityStartTime epoch
		ValidityEndTime   epoch
		Fingerprint       string
	}
	return c.json(struct{ PublicKeyList []key }{[]key{{
		Value:             der,
		ValidityStartTime: epoch(since.Add(-30 * 24 * time.Hour).Truncate(time.Hour)),
		ValidityEndTime:   epoch(until.Add(30 * 24 * time.Hour).Truncate(time.Hour)),
		Fingerprint:       fingerprint,
	}}})
}
