package trail

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// endlessPages serves pages with a next token until its second call,
// which waits for the request's context to end.
type endlessPages struct{ calls int }

func (e *endlessPages) LookupEvents(ctx context.Context, _ *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	e.calls++
	if e.calls >= 2 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &cloudtrail.LookupEventsOutput{NextToken: aws.String("more")}, nil
}

// An interrupted prefetch ends with its error: a unit whose pages were cut
// short must not end as if it had read them all.
func TestPrefetchEndsWithTheInterruption(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := cloudtrail.NewLookupEventsPaginator(&endlessPages{}, &cloudtrail.LookupEventsInput{})
	pages, stop := prefetch(ctx, p)
	defer stop()
	if r := <-pages; r.err != nil || r.page == nil {
		t.Fatalf("first page: %+v", r)
	}
	cancel()
	var last error
	for r := range pages {
		last = r.err
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("the pages ended with %v, want the interruption", last)
	}
}

// stop ends the fetching though nobody reads the pages.
func TestPrefetchStopsUnread(t *testing.T) {
	p := cloudtrail.NewLookupEventsPaginator(&endlessPages{}, &cloudtrail.LookupEventsInput{})
	_, stop := prefetch(context.Background(), p)
	stop() // returns only once the fetching goroutine has ended
}
