package schemas

import (
	"io"
	"time"
)

// Target is one place evidence is collected from: an account in a region,
// reached through an optional role.
type Target struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	RoleARN string `json:"role_arn,omitempty"`
}

// Unit is one piece of work of one source for one target. ID is stable
// across runs, so an interrupted collection can be resumed unit by unit.
type Unit struct {
	Source string `json:"source"`
	ID     string `json:"id"`
	Target Target `json:"target"`
}

// Key identifies a unit uniquely within a run.
func (u Unit) Key() string {
	return u.Source + "/" + u.Target.Account + "/" + u.Target.Region + "/" + u.ID
}

// Provenance says which API call produced a record.
type Provenance struct {
	Service   string    `json:"service"`    // e.g. cloudtrail
	Operation string    `json:"operation"`  // e.g. LookupEvents
	RequestID string    `json:"request_id"` // x-amzn-RequestId or S3's x-amz-request-id
	Time      time.Time `json:"time"`       // when the response was received
	Caller    string    `json:"caller"`     // STS caller identity ARN used for the call
}

// Row is one record of a bundle table. Implementations are the structs in
// tables.go; their `col` tags name the Parquet columns.
type Row interface {
	Table() string
}

// BlobRow is a Row that refers to a blob. The writer calls SetBlob after it
// has stored an Evidence's Body.
type BlobRow interface {
	Row
	SetBlob(sha256 string, size int64)
}

// Evidence is one record on its way from a source to the bundle writer.
type Evidence struct {
	Kind       string
	Unit       Unit
	ObjectID   string // event id, ARN, s3://bucket/key?versionId=
	ObservedAt time.Time
	Provenance Provenance
	Claimed    string    // what AWS claimed about it (ETag, checksum), recorded as is
	Row        Row       // the structured record
	Body       io.Reader // optional raw content, read exactly once by the sink
}

// Gap is evidence that could not be collected, and why.
type Gap struct {
	Unit    Unit
	Cause   string // a stable code: AccessDenied, RegionDisabled, Throttled, interrupted, …
	Message string
	Time    time.Time
}

// Gap causes that custody itself assigns. AWS error codes are used verbatim.
const (
	CauseInterrupted = "interrupted"
	CauseDeadline    = "deadline"
	CauseUnreachable = "unreachable"
	CauseSkipped     = "skipped"
	CauseUnparsable  = "unparsable"
)
