package report

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// integritySev ranks a failed trail-file check: a file changed or removed
// after delivery, or a broken chain, is tampering; a missing key or
// signature may be a collection or configuration matter.
var integritySev = map[string]Severity{
	"hash": High, "missing": High, "chain-missing": High, "chain-hash": High, "chain-signature": High,
	"signature": High, "location": High,
}

// integritySays explains each check's failure, whatever the number of
// files.
var integritySays = map[string]string{
	"hash":            "the content no longer hashes to what the digest CloudTrail signed at delivery recorded, so it was changed after delivery",
	"missing":         "listed by a signed digest but absent from the bucket, so deleted after delivery",
	"chain-missing":   "the previous digest named does not exist: a digest, and the log files it listed, were deleted",
	"chain-hash":      "the previous digest named differs from what was recorded: that digest was replaced",
	"chain-signature": "the previous digest named carries another signature than recorded: that digest was replaced",
	"signature":       "the signature does not verify against CloudTrail's public key: not written by CloudTrail, or changed since",
	"location":        "the digest names another bucket or key than it was read from: copied or moved",
	"digest-invalid":  "listed only by digests that failed their own checks: integrity unproven",
}

func integrityRules() []Rule {
	return []Rule{{
		ID: "ai.trail-file-tampered", Title: "CloudTrail log file or digest failed validation", Element: ElementAI, Severity: High,
		Rationale: "CloudTrail signs an hourly digest of the log files it delivered, each digest naming the one before. A log file that no longer " +
			"hashes to its digest was changed after delivery, and a digest whose previous digest is gone marks deleted files: someone with write " +
			"access to the trail bucket edited the record, usually to remove their own calls. The rows of an invalid file are kept; event history " +
			"(LookupEvents) may still hold what was removed.",
		References: []string{"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
			"https://attack.mitre.org/techniques/T1070/"},
		Tables: []string{schemas.TableResources},
		Query: tableSQL(schemas.TableResources, "account, region, id, status, json_extract_string(normalized, '$.check') AS check_failed, "+
			"json_extract_string(normalized, '$.detail') AS detail", "kind = '"+trailfiles.KindValidation+"' AND status = 'invalid'"),
		New: func() Detector { return &trailIntegrity{names: map[string][]string{}} },
	}}
}

// trailIntegrity groups the invalid trail files by the check that failed.
type trailIntegrity struct {
	gs    groups
	names map[string][]string // check -> file names
}

func (d *trailIntegrity) Observe(_ *Context, r *Record) {
	res := r.Resource
	if res == nil || res.Kind != trailfiles.KindValidation || res.Status != "invalid" {
		return
	}
	var n struct{ File, Check string }
	if json.Unmarshal([]byte(res.Normalized), &n) != nil || n.Check == "" {
		return
	}
	t, ok := trailFileTime(res.Name)
	if !ok {
		t = res.AcquiredAt
	}
	g := d.gs.get(n.Check)
	g.add(r, t, "")
	g.sev = max(g.sev, integritySev[n.Check], Medium)
	if d.gs.tracked(n.Check) {
		k := own(n.Check)
		d.names[k] = addName(d.names[k], res.Name)
	}
}

func (d *trailIntegrity) limits() []string { return d.gs.limits() }

func (d *trailIntegrity) Findings(*Context) []Finding {
	var out []Finding
	for _, check := range d.gs.sorted() {
		g := d.gs.m[check]
		say := ""
		if s, ok := integritySays[check]; ok {
			say = ": " + s
		}
		out = append(out, g.finding(g.sev, fmt.Sprintf("%s delivered %s %s failed the %s check%s (%s).",
			plural(g.count, "CloudTrail file", "CloudTrail files"), span(g.first, g.last), where(g), check, say, list(d.names[check], 3))))
	}
	return out
}

// trailFileTime reads the delivery time in a log file's name
// (..._YYYYMMDDTHHmmZ_<id>.json.gz) or a digest's (..._YYYYMMDDTHHmmssZ.json.gz).
func trailFileTime(name string) (time.Time, bool) {
	for _, f := range strings.Split(strings.TrimSuffix(path.Base(name), ".json.gz"), "_") {
		for _, layout := range []string{"20060102T1504Z", "20060102T150405Z"} {
			if t, err := time.Parse(layout, f); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
