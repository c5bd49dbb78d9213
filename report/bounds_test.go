package report

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// sessionRows are n events of ever-new role sessions from ever-new
// addresses (no session issuer recorded, so every session is an identity),
// a third of them model-availability checks and a third refused.
func sessionRows(n int, each func(*Record)) {
	span := testWindow.Until.Sub(testWindow.Since)
	names := []string{"GetFoundationModelAvailability", "InvokeModel", "ListFoundationModels"}
	for i := range n {
		ts := testWindow.Since.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		opts := []func(*schemas.CloudTrailEvent){
			func(e *schemas.CloudTrailEvent) {
				e.SessionIssuerARN = ""
				e.UserIdentityARN = fmt.Sprintf("arn:aws:sts::%s:assumed-role/app-%d/session-%d", acct, i%40, i)
				e.UserAgent = fmt.Sprintf("Boto3/1.34.%d", i)
			},
			fromIP(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)),
		}
		if i%3 == 2 {
			opts = append(opts, withError("AccessDenied"))
		}
		each(ev([]string{"us-east-1", "us-west-2", "eu-west-1"}[i%3], ts, bedrock, names[i%len(names)], opts...))
	}
}

// Ever-new identities, addresses and clients do not grow the engine past
// its caps, and the report says what the caps left out.
func TestEngineBoundedOverIdentities(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 330,000 rows")
	}
	heapAfter := func(n int) (uint64, *Report) {
		e := NewEngine(testWindow, nil)
		sessionRows(n, e.Observe)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rep := e.Report(nil)
		return ms.HeapAlloc, rep
	}
	small, _ := heapAfter(30_000)
	large, rep := heapAfter(300_000)
	t.Logf("heap after 30,000 rows %d KiB, after 300,000 rows %d KiB", small>>10, large>>10)
	if large > small+24<<20 {
		t.Errorf("heap grew by %d KiB for ten times the identities", (large-small)>>10)
	}
	per := map[string]int{}
	for _, f := range rep.Findings {
		per[f.Rule]++
	}
	for r, n := range per {
		if n > maxFindings {
			t.Errorf("%s lists %d findings, more than %d", r, n, maxFindings)
		}
	}
	if per["invocation.llmjacking-share"] != maxFindings {
		t.Errorf("llmjacking-share lists %d findings, want the cap %d", per["invocation.llmjacking-share"], maxFindings)
	}
	limits := strings.Join(rep.Limits, "\n")
	for _, want := range []string{"invocation.llmjacking-share: ", "more findings", "access.first-seen: ", "access.denied-burst: ",
		"identities past the first 2000", "timeline: "} {
		if !strings.Contains(limits, want) {
			t.Errorf("limits lack %q:\n%s", want, limits)
		}
	}
	if len(rep.Timeline.Series) == 0 || len(rep.Timeline.Series) > 2*timelineSeries {
		t.Errorf("%d timeline series", len(rep.Timeline.Series))
	}
}

// An event years from the rest does not stretch the timeline past
// maxLaneBuckets buckets, and the report says it is not drawn.
func TestTimelineBucketsBounded(t *testing.T) {
	recs := incidentRows()
	recs = append(recs, ev("us-east-1", at(-3*365*24*time.Hour), bedrock, "InvokeModel"))
	rep := feed(nil, recs).Report(nil)
	for _, s := range rep.Timeline.Series {
		if len(s.Counts) > maxLaneBuckets {
			t.Fatalf("%s: %d buckets", s.Principal, len(s.Counts))
		}
	}
	if !strings.Contains(strings.Join(rep.Limits, "\n"), "are not drawn") {
		t.Errorf("limits %q do not say an event is not drawn", rep.Limits)
	}
}

// The markdown and HTML forms list the limits.
func TestLimitsRendered(t *testing.T) {
	rep := engineReport(incidentRows(), testManifest())
	rep.Limits = []string{"access.first-seen: 7 events of identities past the first 2000 are counted but not listed."}
	for _, format := range []string{FormatMarkdown, FormatHTML} {
		var b strings.Builder
		if err := Write(&b, rep, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "7 events of identities past the first 2000") {
			t.Errorf("%s form does not list the limits", format)
		}
	}
}
