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
	pages, stop := prefetch(ctx, p)
	defer stop()
	var index int64
	for r := range pages {
		if r.err != nil {
			return fmt.Errorf("trail: lookup events %s/%s: %w", u.Target.Account, u.Target.Region, r.err)
		}
		page := r.page
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

// pageResult is a page of LookupEvents or the error that ended the pages.
type pageResult struct {
	page *cloudtrail.LookupEventsOutput
	err  error
}

// prefetch asks for the next page on a goroutine of its own while the
// caller stores the rows of the last: LookupEvents allows two requests a
// second per account and region, and a request that waited for the rows
// of the page before it to be stored fell behind that pace when the bundle
// writer was busy, which made an organization's busiest account-region its
// tail. The last result is an error, if any. stop ends the fetching and
// waits for it, so no request outlives the unit.
func prefetch(ctx context.Context, p *cloudtrail.LookupEventsPaginator) (<-chan pageResult, func()) {
	ctx, cancel := context.WithCancel(ctx)
	// Unbuffered: the next page is fetched while the last one's rows are
	// stored, and no further. An organization's collection runs hundreds
	// of these units at once, each holding the pages it has.
	out := make(chan pageResult)
	go func() {
		defer close(out)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			// Sent even once ctx has ended: the caller reads until the
			// channel closes, or stop drains it, and an interrupted unit
			// must end with its error, never as if its pages were all.
			out <- pageResult{page, err}
			if err != nil {
				return
			}
		}
	}()
	return out, func() {
		cancel()
		for range out {
		}
	}
}
