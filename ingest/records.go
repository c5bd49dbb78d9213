package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/collect/trail"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// ViaIngest is the invocations via of rows read from files on disk.
const ViaIngest = "ingest"

// lookupEvent is one element of the Events that `aws cloudtrail
// lookup-events` prints.
type lookupEvent struct {
	EventID         string          `json:"EventId"`
	EventTime       json.RawMessage `json:"EventTime"`
	CloudTrailEvent *string         `json:"CloudTrailEvent"`
}

// lookup reads {"Events":[…],"NextToken":…} one event at a time.
func (r *run) lookup(ctx context.Context, f file, in io.Reader, blob string) error {
	dec := json.NewDecoder(in)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("lookup-events output: %w", orSyntax(err))
	}
	u := r.fileUnit(f)
	at := r.o.Now().UTC()
	var index int64
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if t != "Events" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return fmt.Errorf("lookup-events output: Events is not an array: %w", orSyntax(err))
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			var ev lookupEvent
			_ = json.Unmarshal(raw, &ev)
			var row *schemas.CloudTrailEvent
			if ev.CloudTrailEvent != nil {
				row = trail.ParseRecord([]byte(*ev.CloudTrailEvent), ev.EventID, looseTime(ev.EventTime))
			} else {
				// Not an event as LookupEvents returns them: kept whole.
				row = trail.ParseRecord(raw, ev.EventID, looseTime(ev.EventTime))
				row.Parsed = false
			}
			row.Raw = trailfiles.ValidRaw(row.Raw)
			if row.EventID == "" {
				row.EventID = f.rel + "#" + strconv.FormatInt(index, 10)
			}
			row.Via, row.BlobSHA256, row.RecordIndex, row.AcquiredAt = "lookup", &blob, index, at
			index++
			e := collect.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: u, ObjectID: row.EventID, ObservedAt: at, Provenance: r.prov(at), Row: row}
			e.Unit.Target = recordTarget(row, u.Target)
			if err := r.sink.Put(ctx, e); err != nil {
				return sinkErr{err}
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
	}
	return nil
}

func orSyntax(err error) error {
	if err == nil {
		return errors.New("unexpected JSON")
	}
	return err
}

// looseTime reads the EventTime the CLI prints: ISO 8601 or epoch seconds.
func looseTime(m json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(m, &s) == nil {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-07:00"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
		return time.Time{}
	}
	var f float64
	if json.Unmarshal(m, &f) == nil {
		return time.UnixMilli(int64(f * 1000)).UTC()
	}
	return time.Time{}
}

// invocations reads invocation-log records, one JSON object a line, as
// Bedrock delivers them to S3.
func (r *run) invocations(ctx context.Context, f file, in io.Reader, blob string) error {
	br := bufio.NewReaderSize(in, 256<<10)
	u := r.fileUnit(f)
	at := r.o.Now().UTC()
	var index int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if trimmed := trimLine(line); len(trimmed) > 0 {
				row := invlogs.ParseRecord(trailfiles.ValidRaw(string(trimmed)))
				row.Via, row.AcquiredAt = ViaIngest, at
				e := collect.Evidence{Kind: schemas.KindInvocation, Unit: u, ObservedAt: at, Provenance: r.prov(at), Row: row,
					ObjectID: f.rel + "#" + strconv.FormatInt(index, 10)}
				e.Unit.Target = invocationTarget(trimmed, u.Target)
				if err := r.sink.Put(ctx, e); err != nil {
					return sinkErr{err}
				}
				index++
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return b
		}
	}
	return nil
}

// invocationTarget is the account and region an invocation record names.
func invocationTarget(raw []byte, def collect.Target) collect.Target {
	var rec struct {
		AccountID string `json:"accountId"`
		Region    string `json:"region"`
	}
	_ = json.Unmarshal(raw, &rec)
	t := def
	if rec.AccountID != "" {
		t.Account = rec.AccountID
	}
	if rec.Region != "" {
		t.Region = rec.Region
	}
	return t
}
