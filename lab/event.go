package lab

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// event is a CloudTrail record with the fields LookupEvents returns and
// filters on, taken from the record itself.
type event struct {
	ID          string
	Time        time.Time
	Name        string
	Source      string
	Username    string
	AccessKeyID string
	ReadOnly    string // "true" or "false", as LookupEvents returns it
	Resources   []eventResource
	Raw         string // the record, as CloudTrailEvent
}

type eventResource struct {
	Type string
	Name string
}

// recordHead is the part of a CloudTrail record the lab reads.
type recordHead struct {
	EventID      string          `json:"eventID"`
	EventTime    time.Time       `json:"eventTime"`
	EventName    string          `json:"eventName"`
	EventSource  string          `json:"eventSource"`
	ReadOnly     *bool           `json:"readOnly"`
	Resources    []recordRes     `json:"resources"`
	UserIdentity recordIdentity  `json:"userIdentity"`
	Request      json.RawMessage `json:"requestParameters"`
}

type recordRes struct {
	ARN  string `json:"ARN"`
	Type string `json:"type"`
}

type recordIdentity struct {
	Type           string `json:"type"`
	ARN            string `json:"arn"`
	UserName       string `json:"userName"`
	AccessKeyID    string `json:"accessKeyId"`
	SessionContext struct {
		SessionIssuer struct {
			UserName string `json:"userName"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

// parseEvent derives the LookupEvents view of a CloudTrail record.
func parseEvent(raw json.RawMessage) (*event, error) {
	var h recordHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, err
	}
	if h.EventID == "" || h.EventTime.IsZero() || h.EventName == "" {
		return nil, fmt.Errorf("record lacks eventID, eventTime or eventName")
	}
	e := &event{
		ID:          h.EventID,
		Time:        h.EventTime.UTC(),
		Name:        h.EventName,
		Source:      h.EventSource,
		AccessKeyID: h.UserIdentity.AccessKeyID,
		ReadOnly:    "false",
		Raw:         string(raw),
	}
	if h.ReadOnly == nil || *h.ReadOnly {
		e.ReadOnly = "true"
	}
	e.Username = lookupUsername(h.UserIdentity)
	for _, r := range h.Resources {
		e.Resources = append(e.Resources, eventResource{Type: r.Type, Name: r.ARN})
	}
	return e, nil
}

// eventOf derives the LookupEvents view of a record built in process.
func eventOf(rec *record, raw []byte) *event {
	e := &event{
		ID: rec.EventID, Name: rec.EventName, Source: rec.EventSource,
		AccessKeyID: rec.UserIdentity.AccessKeyID, ReadOnly: strconv.FormatBool(rec.ReadOnly), Raw: string(raw),
		Username: lookupUsername(recordIdentity{Type: rec.UserIdentity.Type, ARN: rec.UserIdentity.ARN, UserName: rec.UserIdentity.UserName}),
	}
	e.Time, _ = time.Parse(cloudTrailTime, rec.EventTime)
	for _, r := range rec.Resources {
		e.Resources = append(e.Resources, eventResource{Type: r.Type, Name: r.ARN})
	}
	return e
}

// lookupUsername is what LookupEvents reports as Username: the IAM user
// name, or the role session name of an assumed role.
func lookupUsername(id recordIdentity) string {
	switch id.Type {
	case "IAMUser":
		return id.UserName
	case "AssumedRole":
		if i := strings.LastIndex(id.ARN, "/"); i >= 0 {
			return id.ARN[i+1:]
		}
	case "Root":
		return "root"
	}
	return id.UserName
}

// indexEvents parses the records and sorts them newest first. Events at the
// same second keep a stable order by id.
func (r *Region) indexEvents() error {
	parsed := r.events // already parsed when built in process, in step with Events
	if len(parsed) != len(r.Events) {
		parsed = nil
	}
	r.events = make([]*event, 0, len(r.Events))
	seen := make(map[string]bool, len(r.Events))
	for i, raw := range r.Events {
		var e *event
		if parsed != nil {
			e = parsed[i]
		} else {
			var err error
			if e, err = parseEvent(raw); err != nil {
				return fmt.Errorf("event %d: %w", i, err)
			}
		}
		if seen[e.ID] {
			return fmt.Errorf("event %d: eventID %s repeated", i, e.ID)
		}
		seen[e.ID] = true
		r.events = append(r.events, e)
	}
	sort.SliceStable(r.events, func(i, j int) bool {
		a, b := r.events[i], r.events[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.After(b.Time)
		}
		return a.ID < b.ID
	})
	return nil
}
