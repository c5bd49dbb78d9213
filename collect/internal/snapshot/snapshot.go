// Package snapshot puts configuration snapshots into a sink: one resources
// row per API response, with the normalized fields diff and report use and
// the response body byte-exact as AWS sent it.
package snapshot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// Call says which API response a snapshot comes from.
type Call struct {
	Service   string // e.g. bedrock
	Operation string // e.g. GetAgent
	Metadata  middleware.Metadata
	// Raw, when set, is the part of the response body the row stands for
	// (one element of a listing); otherwise the whole captured body is.
	Raw []byte
}

// Put completes row with norm, the raw body and the call's provenance, and
// puts it into sink. The evidence's object id is the row's ARN, suffixed
// with its version when it has one.
func Put(ctx context.Context, sink collect.Sink, u collect.Unit, at time.Time, row *schemas.Resource, norm any, c Call) error {
	n, err := json.Marshal(norm)
	if err != nil {
		return fmt.Errorf("snapshot: normalize %s: %w", row.ARN, err)
	}
	reqID, _ := awsmiddleware.GetRequestIDMetadata(c.Metadata)
	raw, whole := c.Raw, true
	if raw == nil {
		raw, whole = collect.RawBody(c.Metadata)
	}
	row.Normalized = string(n)
	row.Raw = string(raw)
	row.Operation = c.Operation
	row.RequestID = reqID
	row.AcquiredAt = at
	claimed := ""
	if !whole {
		claimed = "raw body exceeded capture limit"
	}
	return sink.Put(ctx, collect.Evidence{
		Kind: row.Kind, Unit: u, ObjectID: ObjectID(row), ObservedAt: at,
		Provenance: schemas.Provenance{Service: c.Service, Operation: c.Operation, RequestID: reqID, Time: at},
		Claimed:    claimed,
		Row:        row,
	})
}

// ObjectID is a row's ARN, with ":version" when the row has a version.
func ObjectID(row *schemas.Resource) string {
	if row.Version == "" {
		return row.ARN
	}
	return row.ARN + ":" + row.Version
}
