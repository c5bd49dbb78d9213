package lab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// logsService is Amazon CloudWatch Logs (awsJson1_1). Its timestamps are
// epoch milliseconds.
func logsService() *service {
	p := jsonRPC{prefix: "Logs_20140328"}
	throttle := throttling(http.StatusBadRequest, "ThrottlingException")
	return &service{
		name:    "logs",
		signing: "logs",
		proto:   p,
		route: namedRouter(p.target, map[string]operation{
			"DescribeLogGroups":  {handler: logsDescribeGroups},
			"DescribeLogStreams": {handler: logsDescribeStreams},
			"FilterLogEvents":    {handler: logsFilter},
			"GetLogEvents":       {handler: logsGet},
		}),
		throttle: throttle,
		internal: newAPIError(http.StatusInternalServerError, "ServiceUnavailableException", "The service cannot complete the request."),
		// FilterLogEvents: 5 requests per second per account per region.
		quotas: map[string]quota{"FilterLogEvents": {name: "FilterLogEvents", rate: 5, burst: 5, err: throttle}},
	}
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// findGroup resolves a log group by name or ARN.
func (c *call) findGroup(name, identifier string) (*LogGroup, error) {
	ref := name
	if ref == "" {
		ref = identifier
	}
	ref = strings.TrimSuffix(ref, ":*")
	for _, g := range c.data().LogGroups {
		if g.LogGroupName == ref || g.ARN == ref {
			return g, nil
		}
	}
	return nil, newAPIError(http.StatusBadRequest, "ResourceNotFoundException", "The specified log group does not exist.")
}

func storedBytes(g *LogGroup) int64 {
	var n int64
	for _, s := range g.Streams {
		for _, e := range s.Events {
			n += int64(len(e.Message))
		}
	}
	return n
}

func logsDescribeGroups(c *call) (*response, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	type group struct {
		LogGroupName      string `json:"logGroupName"`
		CreationTime      int64  `json:"creationTime"`
		RetentionInDays   int32  `json:"retentionInDays,omitempty"`
		MetricFilterCount int32  `json:"metricFilterCount"`
		Arn               string `json:"arn"`
		LogGroupArn       string `json:"logGroupArn"`
		StoredBytes       int64  `json:"storedBytes"`
		KmsKeyID          string `json:"kmsKeyId,omitempty"`
		LogGroupClass     string `json:"logGroupClass"`
	}
	var all []group
	for _, g := range c.data().LogGroups {
		if !strings.HasPrefix(g.LogGroupName, in.LogGroupNamePrefix) || !strings.Contains(g.LogGroupName, in.LogGroupNamePattern) {
			continue
		}
		all = append(all, group{g.LogGroupName, millis(g.CreationTime), g.RetentionInDays, 0, g.ARN + ":*", g.ARN, storedBytes(g), g.KMSKeyID, "STANDARD"})
	}
	items, next, err := page(all, "DescribeLogGroups|"+c.account+"|"+c.region+"|"+in.LogGroupNamePrefix+"|"+in.LogGroupNamePattern, in.NextToken, in.Limit, 50, 50, invalidToken("InvalidParameterException"))
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		LogGroups []group `json:"logGroups"`
		NextToken string  `json:"nextToken,omitempty"`
	}{nonNil(items), next})
}

func logsDescribeStreams(c *call) (*response, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogGroupIdentifier  string `json:"logGroupIdentifier"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := c.findGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	type stream struct {
		LogStreamName       string `json:"logStreamName"`
		CreationTime        int64  `json:"creationTime"`
		FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
		LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
		LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
		Arn                 string `json:"arn"`
		StoredBytes         int64  `json:"storedBytes"`
	}
	var all []stream
	for _, s := range g.Streams {
		if !strings.HasPrefix(s.LogStreamName, in.LogStreamNamePrefix) {
			continue
		}
		st := stream{LogStreamName: s.LogStreamName, CreationTime: millis(s.CreationTime), Arn: strings.TrimSuffix(g.ARN, ":*") + ":log-stream:" + s.LogStreamName}
		if n := len(s.Events); n > 0 {
			st.FirstEventTimestamp, st.LastEventTimestamp, st.LastIngestionTime = millis(s.Events[0].Timestamp), millis(s.Events[n-1].Timestamp), millis(s.Events[n-1].IngestionTime)
		}
		for _, e := range s.Events {
			st.StoredBytes += int64(len(e.Message))
		}
		all = append(all, st)
	}
	items, next, err := page(all, "DescribeLogStreams|"+c.account+"|"+c.region+"|"+g.LogGroupName+"|"+in.LogStreamNamePrefix, in.NextToken, in.Limit, 50, 50, invalidToken("InvalidParameterException"))
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		LogStreams []stream `json:"logStreams"`
		NextToken  string   `json:"nextToken,omitempty"`
	}{nonNil(items), next})
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// maxLogPage is the most message bytes one page of log events carries.
const maxLogPage = 1 << 20

// logsFilter serves FilterLogEvents: events of the group's streams in the
// time range, oldest first across streams, matching the filter pattern.
func logsFilter(c *call) (*response, error) {
	var in struct {
		LogGroupName        string   `json:"logGroupName"`
		LogGroupIdentifier  string   `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		NextToken           string   `json:"nextToken"`
		Limit               int      `json:"limit"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 10000 {
		return nil, newAPIError(http.StatusBadRequest, "InvalidParameterException", "limit must be between 1 and 10000")
	}
	g, err := c.findGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	match, err := compileFilter(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	var all []filteredEvent
	searched := []map[string]any{}
	for si, s := range g.Streams {
		if len(in.LogStreamNames) > 0 && !contains(in.LogStreamNames, s.LogStreamName) {
			continue
		}
		if !strings.HasPrefix(s.LogStreamName, in.LogStreamNamePrefix) {
			continue
		}
		searched = append(searched, map[string]any{"logStreamName": s.LogStreamName, "searchedCompletely": true})
		for ei, e := range s.Events {
			ts := millis(e.Timestamp)
			if (in.StartTime != nil && ts < *in.StartTime) || (in.EndTime != nil && ts > *in.EndTime) || !match(e.Message) {
				continue
			}
			all = append(all, filteredEvent{s.LogStreamName, ts, e.Message, millis(e.IngestionTime), logEventID(ts, si, ei)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Timestamp < all[j].Timestamp })
	scope := fmt.Sprintf("FilterLogEvents|%s|%s|%s|%v|%v|%v|%s", c.account, c.region, g.LogGroupName, in.LogStreamNames, in.StartTime, in.EndTime, in.FilterPattern)
	limit := in.Limit
	if limit == 0 {
		limit = 10000
	}
	items, next, err := page(all, scope, in.NextToken, limit, limit, 10000, invalidToken("InvalidParameterException"))
	if err != nil {
		return nil, err
	}
	// Cut the page at about a megabyte, as the service does.
	size := 0
	for i, e := range items {
		size += len(e.Message) + 26
		if size > maxLogPage && i > 0 {
			off, _ := parsePageToken(scope, in.NextToken)
			items, next = items[:i], pageToken(scope, off+i)
			break
		}
	}
	return c.json(struct {
		Events             []filteredEvent  `json:"events"`
		SearchedLogStreams []map[string]any `json:"searchedLogStreams"`
		NextToken          string           `json:"nextToken,omitempty"`
	}{nonNil(items), searched, next})
}

// logEventID is a stable id for an event, shaped like CloudWatch's.
func logEventID(ts int64, stream, index int) string {
	return fmt.Sprintf("%056d", ts)[:20] + fmt.Sprintf("%012d%012d%012d", stream, index, ts%1000000000000)
}

// compileFilter supports the filter pattern forms responders use most:
// empty (everything), space-separated terms that must all appear (quoted
// terms may contain spaces), and one JSON selector { $.a.b = "v" }.
func compileFilter(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string) bool { return true }, nil
	}
	if strings.HasPrefix(p, "{") {
		body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(p, "{"), "}"))
		lhs, rhs, ok := strings.Cut(body, "=")
		lhs, rhs = strings.TrimSpace(lhs), strings.Trim(strings.TrimSpace(rhs), `"`)
		if !ok || !strings.HasPrefix(lhs, "$.") || strings.ContainsAny(lhs, "&|") {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameterException", "Invalid filter pattern: the lab supports { $.field = \"value\" }")
		}
		path := strings.Split(lhs[2:], ".")
		return func(msg string) bool {
			var v any
			if json.Unmarshal([]byte(msg), &v) != nil {
				return false
			}
			for _, k := range path {
				m, ok := v.(map[string]any)
				if !ok {
					return false
				}
				v = m[k]
			}
			return fmt.Sprint(v) == rhs
		}, nil
	}
	var terms []string
	for rest := p; rest != ""; {
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return nil, newAPIError(http.StatusBadRequest, "InvalidParameterException", "Invalid filter pattern: unbalanced quote")
			}
			terms = append(terms, rest[1:end+1])
			rest = rest[end+2:]
			continue
		}
		t, r, _ := strings.Cut(rest, " ")
		terms = append(terms, t)
		rest = r
	}
	return func(msg string) bool {
		for _, t := range terms {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		return true
	}, nil
}

func logsGet(c *call) (*response, error) {
	var in struct {
		LogGroupName       string `json:"logGroupName"`
		LogGroupIdentifier string `json:"logGroupIdentifier"`
		LogStreamName      string `json:"logStreamName"`
		StartTime          *int64 `json:"startTime"`
		EndTime            *int64 `json:"endTime"`
		NextToken          string `json:"nextToken"`
		Limit              int    `json:"limit"`
		StartFromHead      bool   `json:"startFromHead"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	g, err := c.findGroup(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	var stream *LogStream
	for _, s := range g.Streams {
		if s.LogStreamName == in.LogStreamName {
			stream = s
		}
	}
	if stream == nil {
		return nil, newAPIError(http.StatusBadRequest, "ResourceNotFoundException", "The specified log stream does not exist.")
	}
	type outEvent struct {
		Timestamp     int64  `json:"timestamp"`
		Message       string `json:"message"`
		IngestionTime int64  `json:"ingestionTime"`
	}
	var all []outEvent
	for _, e := range stream.Events {
		ts := millis(e.Timestamp)
		if (in.StartTime == nil || ts >= *in.StartTime) && (in.EndTime == nil || ts < *in.EndTime) {
			all = append(all, outEvent{ts, e.Message, millis(e.IngestionTime)})
		}
	}
	// Forward paging from the head; the forward token of the last page
	// repeats the request's, which is how clients know they are done.
	scope := fmt.Sprintf("GetLogEvents|%s|%s|%s|%s|%v|%v", c.account, c.region, g.LogGroupName, stream.LogStreamName, in.StartTime, in.EndTime)
	token := strings.TrimPrefix(strings.TrimPrefix(in.NextToken, "f/"), "b/")
	items, next, err := page(all, scope, token, in.Limit, 10000, 10000, invalidToken("InvalidParameterException"))
	if err != nil {
		return nil, err
	}
	if next == "" {
		next = token
		if next == "" {
			next = pageToken(scope, len(all))
		}
	}
	return c.json(struct {
		Events            []outEvent `json:"events"`
		NextForwardToken  string     `json:"nextForwardToken"`
		NextBackwardToken string     `json:"nextBackwardToken"`
	}{nonNil(items), "f/" + next, "b/" + pageToken(scope, 0)})
}
