package schemas

import "time"

// Meta holds the columns every table carries before the row's own: what the
// Evidence envelope said about the record and the API call that produced
// it. The writer fills it from the Evidence (or Gap); readers get it back
// from DecodeRows.
type Meta struct {
	Kind       string    `col:"evidence_kind"`
	ObjectID   string    `col:"evidence_object_id,delta"`
	ObservedAt time.Time `col:"evidence_observed_at,delta"`
	Claimed    string    `col:"evidence_claimed"`
	Source     string    `col:"evidence_source"`
	Unit       string    `col:"evidence_unit"`
	Service    string    `col:"provenance_service"`
	Operation  string    `col:"provenance_operation"`
	RequestID  string    `col:"provenance_request_id,delta"`
	Time       time.Time `col:"provenance_time,delta"`
	Caller     string    `col:"provenance_caller"`
	BlobSHA256 *string   `col:"evidence_blob_sha256,delta"` // the Evidence Body's blob, raw sha256
	BlobSize   *int64    `col:"evidence_blob_size,delta"`   // the Evidence Body's raw size
}

// MetaOf returns the envelope columns of an Evidence record.
func MetaOf(e Evidence) Meta {
	return Meta{
		Kind:       e.Kind,
		ObjectID:   e.ObjectID,
		ObservedAt: e.ObservedAt,
		Claimed:    e.Claimed,
		Source:     e.Unit.Source,
		Unit:       e.Unit.ID,
		Service:    e.Provenance.Service,
		Operation:  e.Provenance.Operation,
		RequestID:  e.Provenance.RequestID,
		Time:       e.Provenance.Time,
		Caller:     e.Provenance.Caller,
	}
}

// GapRowOf returns the table form of a Gap and its envelope columns.
func GapRowOf(g Gap) (Meta, *GapRow) {
	m := Meta{
		Kind:       KindGap,
		ObjectID:   g.Unit.Key(),
		ObservedAt: g.Time,
		Source:     g.Unit.Source,
		Unit:       g.Unit.ID,
	}
	return m, &GapRow{Source: g.Unit.Source, Unit: g.Unit.ID, Cause: g.Cause, Message: g.Message, Time: g.Time}
}

// TableNames lists every table of bundle format v1, in a stable order.
func TableNames() []string {
	return []string{TableCloudTrailEvents, TableInvocations, TableResources, TableObjects, TableGaps, TableAcquisitions}
}

// NewRow returns a new zero row of a table's record type, or nil for an
// unknown table.
func NewRow(table string) Row {
	switch table {
	case TableCloudTrailEvents:
		return new(CloudTrailEvent)
	case TableInvocations:
		return new(Invocation)
	case TableResources:
		return new(Resource)
	case TableObjects:
		return new(Object)
	case TableGaps:
		return new(GapRow)
	case TableAcquisitions:
		return new(Acquisition)
	}
	return nil
}
