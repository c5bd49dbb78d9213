package kbobjects

import (
	"context"
	"encoding/json"
	"io"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// Preserved is content an earlier, killed run of the same case already
// preserved, found by object id (archive.Salvage is one).
type Preserved interface {
	Preserved(id string) (row []byte, prov schemas.Provenance, open func() (io.ReadCloser, error), ok bool)
}

// fromPreserved stores a listed version from what an earlier run
// preserved, when that run stored this very version: same key, version id,
// ETag and size. The content is re-read from the earlier run's blob and
// re-hashed; if it does not match what that run recorded, nothing is stored
// and the caller fetches the version from S3 as usual.
func (c *collector) fromPreserved(ctx context.Context, row *schemas.Object) (bool, error) {
	if c.o.Preserved == nil {
		return false, nil
	}
	raw, prov, open, ok := c.o.Preserved.Preserved(objectID(row))
	if !ok {
		return false, nil
	}
	var was schemas.Object
	if err := json.Unmarshal(raw, &was); err != nil || was.SHA256 == nil ||
		was.Bucket != row.Bucket || was.Key != row.Key || was.VersionID != row.VersionID ||
		was.ETag != row.ETag || was.Size != row.Size {
		return false, nil
	}
	rc, err := open()
	if err != nil {
		return false, nil
	}
	defer rc.Close()
	body := &readErr{r: rc}
	row.ChecksumAlgo, row.Checksum = was.ChecksumAlgo, was.Checksum
	row.Operation, row.RequestID, row.AcquiredAt = was.Operation, was.RequestID, was.AcquiredAt
	e := collect.Evidence{
		Kind: schemas.KindS3Object, Unit: c.u, ObjectID: objectID(row), ObservedAt: was.AcquiredAt,
		Provenance: prov, Claimed: claimed(row), Row: row, Body: body,
	}
	if err := c.sink.Put(ctx, e); err != nil {
		if body.err != nil && ctx.Err() == nil {
			row.SHA256, row.BlobSHA256 = nil, nil
			return false, nil
		}
		return false, err
	}
	if c.o.Salvaged != nil {
		c.o.Salvaged.Add(1)
	}
	return true, nil
}
