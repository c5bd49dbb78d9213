package report

import (
	"encoding/json"
	"io"
	"time"
)

// OCSF Detection Finding (class 2004, category Findings) constants.
const (
	ocsfVersion      = "1.3.0"
	ocsfClassUID     = 2004
	ocsfCategoryUID  = 2
	ocsfActivity     = 1 // Create
	ocsfTypeUID      = ocsfClassUID*100 + ocsfActivity
	ocsfStatusNew    = 1
	ocsfAnalyticRule = 1
)

// ocsfFinding is one OCSF Detection Finding.
type ocsfFinding struct {
	ActivityID   int            `json:"activity_id"`
	ActivityName string         `json:"activity_name"`
	CategoryUID  int            `json:"category_uid"`
	CategoryName string         `json:"category_name"`
	ClassUID     int            `json:"class_uid"`
	ClassName    string         `json:"class_name"`
	TypeUID      int            `json:"type_uid"`
	SeverityID   int            `json:"severity_id"`
	Severity     string         `json:"severity"`
	StatusID     int            `json:"status_id"`
	Status       string         `json:"status"`
	Time         int64          `json:"time"`
	Message      string         `json:"message"`
	Metadata     ocsfMetadata   `json:"metadata"`
	FindingInfo  ocsfInfo       `json:"finding_info"`
	Cloud        ocsfCloud      `json:"cloud"`
	Actor        *ocsfActor     `json:"actor,omitempty"`
	Evidences    []ocsfEvidence `json:"evidences,omitempty"`
	Unmapped     map[string]any `json:"unmapped,omitempty"`
}

type ocsfMetadata struct {
	Version string      `json:"version"`
	Product ocsfProduct `json:"product"`
	UID     string      `json:"uid"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
}

type ocsfInfo struct {
	UID           string       `json:"uid"`
	Title         string       `json:"title"`
	Desc          string       `json:"desc"`
	Types         []string     `json:"types"`
	FirstSeenTime int64        `json:"first_seen_time,omitempty"`
	LastSeenTime  int64        `json:"last_seen_time,omitempty"`
	Analytic      ocsfAnalytic `json:"analytic"`
	SrcURL        string       `json:"src_url,omitempty"`
}

type ocsfAnalytic struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfCloud struct {
	Provider string       `json:"provider"`
	Region   string       `json:"region,omitempty"`
	Account  *ocsfAccount `json:"account,omitempty"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfActor struct {
	User ocsfUser `json:"user"`
}

type ocsfUser struct {
	UID  string `json:"uid"`
	Name string `json:"name,omitempty"`
}

type ocsfEvidence struct {
	Data map[string]any `json:"data"`
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// WriteOCSF writes each finding as one OCSF Detection Finding (class 2004)
// JSON line.
func WriteOCSF(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	rules := map[string]RuleInfo{}
	for _, r := range rep.Rules {
		rules[r.ID] = r
	}
	for _, f := range rep.Findings {
		o := ocsfFinding{
			ActivityID: ocsfActivity, ActivityName: "Create",
			CategoryUID: ocsfCategoryUID, CategoryName: "Findings",
			ClassUID: ocsfClassUID, ClassName: "Detection Finding", TypeUID: ocsfTypeUID,
			SeverityID: int(f.Severity), Severity: titleCase(f.Severity.String()),
			StatusID: ocsfStatusNew, Status: "New",
			Time:    ms(rep.Generated),
			Message: f.Summary,
			Metadata: ocsfMetadata{Version: ocsfVersion, Product: ocsfProduct{Name: "custody", VendorName: "custodyhq"},
				UID: rep.ManifestSHA256 + "/" + f.ID},
			FindingInfo: ocsfInfo{
				UID: rep.Case + "/" + f.ID, Title: f.Title, Desc: rules[f.Rule].Rationale,
				Types:         []string{"custody/" + f.Element},
				FirstSeenTime: ms(f.First), LastSeenTime: ms(f.Last),
				Analytic: ocsfAnalytic{UID: f.Rule, Name: f.Title, TypeID: ocsfAnalyticRule, Type: "Rule"},
			},
			Cloud: ocsfCloud{Provider: "AWS"},
			Unmapped: map[string]any{
				"custody_element": f.Element, "custody_bundle": rep.Bundle, "custody_case": rep.Case,
				"custody_accounts": f.Accounts, "custody_regions": f.Regions, "custody_principals": f.Principals, "custody_rows": f.Count,
			},
		}
		if refs := rules[f.Rule].References; len(refs) > 0 {
			o.FindingInfo.SrcURL = refs[0]
		}
		if len(f.Accounts) > 0 {
			o.Cloud.Account = &ocsfAccount{UID: f.Accounts[0], TypeID: 10, Type: "AWS Account"}
		}
		if len(f.Regions) > 0 {
			o.Cloud.Region = f.Regions[0]
		}
		if len(f.Principals) > 0 {
			o.Actor = &ocsfActor{User: ocsfUser{UID: f.Principals[0], Name: shortARN(f.Principals[0])}}
		}
		for _, e := range f.Evidence {
			d := map[string]any{"table": e.Table, "partition": e.Partition, "column": e.Column, "value": e.Value, "path": e.Path()}
			if e.Version != "" {
				d["version"] = e.Version
			}
			if !e.Time.IsZero() {
				d["time"] = e.Time.UTC().Format(time.RFC3339Nano)
			}
			o.Evidences = append(o.Evidences, ocsfEvidence{Data: d})
		}
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	return nil
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
