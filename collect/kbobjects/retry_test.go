package kbobjects

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/custodyhq/custody/collect"
)

// flakyS3 breaks the content of the first reads of a key off midway.
// Reads run concurrently: its count is guarded.
type flakyS3 struct {
	*fakeS3
	key    string
	mu     sync.Mutex
	breaks int
}

func (f *flakyS3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.mu.Lock()
	broken := f.breaks > 0 && *in.Key == f.key
	if *in.Key == f.key {
		f.breaks--
	}
	f.mu.Unlock()
	out, err := f.fakeS3.GetObject(ctx, in, opts...)
	if err == nil && broken {
		out.Body = io.NopCloser(io.MultiReader(io.LimitReader(out.Body, 1), errReader{}))
	}
	return out, err
}

// Content that breaks off while it streams is read again: a reset
// connection loses nothing and leaves no gap, unless it breaks on every
// attempt.
func TestBrokenContentIsReadAgain(t *testing.T) {
	for _, tc := range []struct{ breaks, gets, gaps int }{
		{breaks: 1, gets: 2, gaps: 0},
		{breaks: getAttempts - 1, gets: getAttempts, gaps: 0},
		{breaks: getAttempts, gets: getAttempts, gaps: 1},
	} {
		f := &flakyS3{fakeS3: hostileBucket(), key: "docs/big.bin", breaks: tc.breaks}
		o := &Objects{Locations: []Location{{Bucket: "kb", Region: "eu-west-1"}}, Client: func(collect.Target) (API, error) { return f, nil }}
		sink := &memSink{}
		if err := o.Collect(context.Background(), collect.Unit{Source: Source, ID: "s3://kb/", Target: target}, sink); err != nil {
			t.Fatal(err)
		}
		gets := 0
		for _, g := range f.gets {
			if g == "docs/big.bin?g1" {
				gets++
			}
		}
		preserved := false
		for _, r := range sink.rows {
			if r.Key == "docs/big.bin" {
				preserved = r.SHA256 != nil && *r.SHA256 == sha(f.versions[6].body)
			}
		}
		if gets != tc.gets || len(sink.gaps) != tc.gaps || preserved != (tc.gaps == 0) || len(sink.rows) != len(f.versions) {
			t.Errorf("%d breaks: %d reads, %d gaps, preserved %v, %d rows; want %d reads, %d gaps", tc.breaks, gets, len(sink.gaps), preserved, len(sink.rows), tc.gets, tc.gaps)
		}
	}
}
