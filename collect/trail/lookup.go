package trail

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// SourceLookup is the name of the LookupEvents source in bundles.
const SourceLookup = "cloudtrail.lookup"

// PageSize is LookupEvents' maximum page.
const PageSize = 50

// Lookup collects every management event in a window through LookupEvents,
// one unit per account and region.
type Lookup struct {
	Client       func(collect.Target) (cloudtrail.LookupEventsAPIClient, error)
	Since, Until time.Time
	Now          func() time.Time
}

var _ collect.Source = (*Lookup)(nil)

func (*Lookup) Name() string { return SourceLookup }

func (l *Lookup) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	id := fmt.Sprintf("events/%s/%s", l.Since.UTC().Format(time.RFC3339), l.Until.UTC().Format(time.RFC3339))
	return []collect.Unit{{Source: SourceLookup, ID: id, Target: t}}, nil
}

func (l *Lookup) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	c, err := l.Client(u.Target)
	if err != nil {
		return err
	}
	now := l.Now
	if now == nil {
		now = time.Now
	}
	p := cloudtrail.NewLookupEventsPaginator(c, &cloudtrail.LookupEventsInput{
		StartTime:  aws.Time(l.Since),
		EndTime:    aws.Time(l.Until),
		MaxResults: aws.Int32(PageSize),
	})
	var index int64
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("trail: lookup events %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		reqID, _ := awsmiddleware.GetRequestIDMetadata(page.ResultMetadata)
		at := now().UTC()
		for _, ev := range page.Events {
			row := ParseRecord([]byte(aws.ToString(ev.CloudTrailEvent)), aws.ToString(ev.EventId), aws.ToTime(ev.EventTime).UTC())
			row.Via = "lookup"
			row.RecordIndex = index
			row.AcquiredAt = at
			row.AcqRequest = reqID
			index++
			err := sink.Put(ctx, collect.Evidence{
				Kind:       schemas.KindCloudTrailEvent,
				Unit:       u,
				ObjectID:   row.EventID,
				ObservedAt: at,
				Provenance: schemas.Provenance{Service: "cloudtrail", Operation: "LookupEvents", RequestID: reqID, Time: at},
				Row:        row,
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
