package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

var update = flag.Bool("update", false, "rewrite testdata/expected.jsonl")

// rowSink keeps every row with its partition, and the gaps.
type rowSink struct {
	mu    sync.Mutex
	rows  []sunk
	gaps  []collect.Gap
	blobs map[string][]byte
}

type sunk struct {
	e   collect.Evidence
	row schemas.Row
}

func (s *rowSink) Put(_ context.Context, e collect.Evidence) error {
	var sum string
	var body []byte
	if e.Body != nil {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		sum, body = hex.EncodeToString(h[:]), b
		if br, ok := e.Row.(schemas.BlobRow); ok {
			br.SetBlob(sum, int64(len(b)))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body != nil {
		s.blobs[sum] = body
	}
	s.rows = append(s.rows, sunk{e, e.Row})
	return nil
}

func (s *rowSink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

func short(s *string) string {
	if s == nil {
		return "<null>"
	}
	return (*s)[:12]
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// open returns a blob the sink holds, as trailfiles.Record reads them.
func (s *rowSink) open(sum string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[sum]
	if !ok {
		return nil, fmt.Errorf("no blob %s", sum)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// view is the part of a row the golden file pins. A CloudTrail row's
// record is pinned as read back, from raw or from its file's blob, and
// where it was kept.
func (s *rowSink) view(x sunk) (map[string]any, error) {
	m := map[string]any{"kind": x.e.Kind, "partition": x.e.Unit.Target.Account + "/" + x.e.Unit.Target.Region, "unit": x.e.Unit.ID}
	switch r := x.row.(type) {
	case *schemas.CloudTrailEvent:
		rec, err := trailfiles.Record(r, s.open)
		if err != nil {
			return nil, err
		}
		m["event_id"], m["version"], m["name"], m["category"], m["type"] = r.EventID, r.EventVersion, r.EventName, r.EventCategory, r.EventType
		m["parsed"], m["via"], m["index"], m["blob"], m["raw"], m["raw_bytes"] = r.Parsed, r.Via, r.RecordIndex, short(r.BlobSHA256), sha(string(rec)), len(rec)
		m["raw_in_file"] = r.RawOffset != nil
		m["error"], m["element"], m["time"] = r.ErrorCode, r.Element, r.EventTime.Format(time.RFC3339)
		if r.RequestParameters != nil {
			m["request_parameters_bytes"] = len(*r.RequestParameters)
		}
		if r.ReadOnly != nil {
			m["read_only"] = *r.ReadOnly
		}
	case *schemas.Invocation:
		m["request_id"], m["operation"], m["model"], m["prompt"], m["response"] = r.RequestID, r.Operation, r.ModelID, r.Prompt, r.Response
		m["via"], m["raw"], m["input_tokens"] = r.Via, sha(r.Raw), r.InputTokens
	case *schemas.Object:
		m["key"], m["size"], m["blob"], m["skipped"] = r.Key, r.Size, short(r.BlobSHA256), r.Skipped
	case *schemas.Resource:
		m["status"], m["name"], m["normalized"] = r.Status, r.Name, r.Normalized
	}
	return m, nil
}

// disk copies testdata/disk and adds what is best made at test time: the
// edge-case log file gzipped under a name that says nothing, and the same
// file cut short.
func disk(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/disk")); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(filepath.Join("testdata/disk/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/16", "111122223333_CloudTrail_us-east-1_20261116T1005Z_EdgeCases0001.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(log)
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "export.bin"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Cut inside the large record: the records before it are whole.
	cut := b.Bytes()[:len(b.Bytes())/2]
	if err := os.WriteFile(filepath.Join(dir, "cut.json.gz"), cut, 0o644); err != nil {
		t.Fatal(err)
	}
	// Fixed times: unparsable records fall back to their file's.
	mtime := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, mtime, mtime)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestIngestHandWrittenFiles(t *testing.T) {
	dir := disk(t)
	sink := &rowSink{blobs: map[string][]byte{}}
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	st, err := Run(context.Background(), []string{dir}, sink, Options{Now: func() time.Time { return at }, Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, x := range sink.rows {
		v, err := sink.view(x)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	for _, g := range sink.gaps {
		b, _ := json.Marshal(map[string]any{"gap": g.Cause, "unit": g.Unit.ID, "message": strings.ReplaceAll(g.Message, dir, "DIR")})
		lines = append(lines, string(b))
	}
	slices.Sort(lines)
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "expected.jsonl")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("rows differ from %s (go test -update to accept):\n%s", golden, diff(string(want), got))
	}
	t.Logf("files %v, rows %d, gaps %d", st.Files, st.Rows, st.Gaps)

	// What the golden file pins, said plainly.
	byID := map[string][]*schemas.CloudTrailEvent{}
	for _, x := range sink.rows {
		if ev, ok := x.row.(*schemas.CloudTrailEvent); ok {
			byID[ev.EventID] = append(byID[ev.EventID], ev)
		}
	}
	if st.Files[KindTrailLog] != 4 || st.Files[KindLookup] != 1 || st.Files[KindInvocationLog] != 1 || st.Files[KindUnknown] != 1 {
		t.Errorf("kinds told from content: %v", st.Files)
	}
	// A record with invalid UTF-8 reads back from its file's blob byte for
	// byte; raw, a Parquet string, is not asked to hold it.
	utf := byID["a1b2c3d4-0000-4000-8000-00000000utf8"]
	if len(utf) != 2 {
		t.Errorf("the record with invalid UTF-8: %d rows", len(utf))
	}
	for _, ev := range utf {
		rec, err := trailfiles.Record(ev, sink.open)
		if err != nil || !bytes.Contains(rec, []byte("curl/\xff\xfe-bad")) || ev.Raw != "" {
			t.Errorf("the record with invalid UTF-8 reads back as %q (%v), raw %q", rec, err, ev.Raw)
		}
	}
	for _, ev := range byID["a1b2c3d4-0109-4000-8000-000000000109"] {
		if ev.RequestParameters == nil || len(*ev.RequestParameters) < 300000 {
			t.Errorf("large requestParameters not kept whole")
		}
	}
	versions := map[string]bool{}
	for _, evs := range byID {
		versions[evs[0].EventVersion] = true
	}
	for _, v := range []string{"1.0", "1.01", "1.02", "1.03", "1.04", "1.05", "1.06", "1.07", "1.08", "1.09", "1.10", "1.11"} {
		if !versions[v] {
			t.Errorf("no record of version %s parsed", v)
		}
	}
	var causes []string
	for _, g := range sink.gaps {
		causes = append(causes, g.Cause+" "+g.Unit.ID)
	}
	slices.Sort(causes)
	wantGaps := []string{"truncated cut.json.gz", "unparsable notes.txt"}
	if !slices.Equal(causes, wantGaps) {
		t.Errorf("gaps %v, want %v", causes, wantGaps)
	}
}

// diff shows the first lines that differ.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)) && len(out) < 10; i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, "- "+a, "+ "+b)
		}
	}
	return strings.Join(out, "\n")
}
