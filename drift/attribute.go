package drift

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// s3Writes are the S3 data events that create or remove object versions.
var s3Writes = map[string]bool{
	"PutObject": true, "CopyObject": true, "CompleteMultipartUpload": true, "RestoreObject": true,
	"DeleteObject": true, "DeleteObjects": true,
}

// attribute finds, in the bundle's CloudTrail events, who made each
// change: for an object, the S3 data event that wrote its new version (by
// version id, else the last write of its key); for a resource, the last
// write event of its account and region that names it.
func attribute(ctx context.Context, bundle *archive.Reader, changes []Change) error {
	objects := map[string][]int{}   // bucket/key → changes
	resources := map[string][]int{} // account/region → changes
	for i, c := range changes {
		if c.Kind == schemas.KindS3Object {
			objects[strings.TrimPrefix(c.Subject, "s3://")] = append(objects[strings.TrimPrefix(c.Subject, "s3://")], i)
		} else {
			resources[c.Account+"/"+c.Region] = append(resources[c.Account+"/"+c.Region], i)
		}
	}
	exact := make([]bool, len(changes))
	fitted := make([]bool, len(changes))
	return bundle.ScanRows(ctx, schemas.TableCloudTrailEvents, func(p archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		if ev.ErrorCode != nil || (ev.ReadOnly != nil && *ev.ReadOnly) {
			return nil
		}
		if ev.EventSource == "s3.amazonaws.com" && s3Writes[ev.EventName] {
			bucket, key, version := s3Target(ev)
			for _, i := range objects[bucket+"/"+key] {
				c := &changes[i]
				switch {
				case exact[i]:
				case version != "" && c.After != nil && containsVersion(c.After.Versions, version) && !(c.Before != nil && containsVersion(c.Before.Versions, version)):
					exact[i] = true
					c.WrittenBy = actorOf(ev)
				case c.WrittenBy == nil || ev.EventTime.After(c.WrittenBy.EventTime):
					c.WrittenBy = actorOf(ev)
				}
			}
			return nil
		}
		for _, i := range resources[p.Account+"/"+p.Region] {
			c := &changes[i]
			if !names(c, ev) {
				continue
			}
			// An event of the expected verb beats any other; among
			// equals, the last one made the state the bundle holds.
			fit := strings.HasPrefix(ev.EventName, verbOf(c))
			switch {
			case c.WrittenBy == nil, fit && !fitted[i], fit == fitted[i] && ev.EventTime.After(c.WrittenBy.EventTime):
				c.WrittenBy, fitted[i] = actorOf(ev), fit
			}
		}
		return nil
	})
}

// verbOf is how the name of the call that made a change begins.
func verbOf(c *Change) string {
	switch {
	case strings.HasSuffix(c.Type, "-deleted"), c.Type == LoggingDisabled, c.Type == KnowledgeBaseDisassociated:
		return "Delete"
	case strings.HasSuffix(c.Type, "-added"), c.Type == KnowledgeBaseAssociated, c.Type == LoggingEnabled:
		return "Create"
	case c.Kind == schemas.KindGuardrail && c.Version != "DRAFT" && c.Before != nil && c.Before.Version != c.Version:
		return "CreateGuardrailVersion"
	case c.Kind == schemas.KindLoggingConfig:
		return "Put"
	}
	return "Update"
}

// names says whether a write event acts on a change's resource: its
// parameters name the resource, or, for the one logging configuration of
// a region, it is a logging call.
func names(c *Change, ev *schemas.CloudTrailEvent) bool {
	if c.Kind == schemas.KindLoggingConfig {
		return strings.Contains(ev.EventName, "ModelInvocationLogging")
	}
	if ev.RequestParameters == nil {
		return false
	}
	rp := *ev.RequestParameters
	if c.Subject != "" && strings.Contains(rp, c.Subject) {
		return true
	}
	// Most Bedrock calls name a resource by its id, the ARN's last part.
	id := c.Subject[strings.LastIndexAny(c.Subject, "/:")+1:]
	return len(id) >= 8 && strings.Contains(rp, `"`+id+`"`)
}

func containsVersion(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// s3Target reads the bucket, key and version a data event wrote.
func s3Target(ev *schemas.CloudTrailEvent) (bucket, key, version string) {
	if ev.RequestParameters != nil {
		var rp struct {
			Bucket string `json:"bucketName"`
			Key    string `json:"key"`
		}
		if json.Unmarshal([]byte(*ev.RequestParameters), &rp) == nil {
			bucket, key = rp.Bucket, rp.Key
		}
	}
	if ev.ResponseElements != nil {
		var re struct {
			Version string `json:"x-amz-version-id"`
		}
		if json.Unmarshal([]byte(*ev.ResponseElements), &re) == nil {
			version = re.Version
		}
	}
	return bucket, key, version
}

func actorOf(ev *schemas.CloudTrailEvent) *Actor {
	who := ev.UserIdentityARN
	if who == "" {
		who = ev.ActorUserUID
	}
	return &Actor{EventID: ev.EventID, EventName: ev.EventName, EventTime: ev.EventTime.UTC(), Principal: who, AccessKey: ev.AccessKeyID, SourceIP: ev.SourceIPAddress}
}
