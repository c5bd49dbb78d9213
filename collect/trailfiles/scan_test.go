package trailfiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

func records(t *testing.T, in string) ([]string, []bool, error) {
	t.Helper()
	var out []string
	var whole []bool
	err := Records(iotest.OneByteReader(strings.NewReader(in)), func(raw []byte, off int64, w bool) error {
		if off < 0 || off+int64(len(raw)) > int64(len(in)) || in[off:off+int64(len(raw))] != string(raw) {
			t.Fatalf("record %q is not at offset %d of the input", raw, off)
		}
		out = append(out, string(raw))
		whole = append(whole, w)
		return nil
	})
	return out, whole, err
}

func TestRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"empty array", `{"Records":[]}`, nil, nil},
		{"two records", `{"Records":[{"a":1},{"b":"x,]}"}]}`, []string{`{"a":1}`, `{"b":"x,]}"}`}, nil},
		{"whitespace and escapes", "{ \"Records\" : [\n {\"a\":\"q\\\"}\"} ,\n{\"b\":[1,{\"c\":2}]} ] }", []string{`{"a":"q\"}"}`, `{"b":[1,{"c":2}]}`}, nil},
		{"other keys first", `{"Other":{"Records":[1]},"Records":[{"x":1}]}`, []string{`{"x":1}`}, nil},
		{"records that are not objects", `{"Records":[null, "s,]", 12]}`, []string{`null`, `"s,]"`, `12`}, nil},
		{"no records", `{"Events":[]}`, nil, ErrNoRecords},
		{"not json", `hello`, nil, ErrNoRecords},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := records(t, tc.in)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("records %q, want %q", got, tc.want)
			}
		})
	}
}

// A file cut at any byte gives the records before the cut whole, the one
// at the cut as a partial record, and ErrTruncated: nothing is lost and
// nothing is invented.
func TestRecordsCutAnywhere(t *testing.T) {
	full := `{"Records":[{"eventID":"a","x":"}]"},{"eventID":"b"},{"eventID":"c","n":[1,2]}]}`
	all, _, err := records(t, full)
	if err != nil || len(all) != 3 {
		t.Fatal(all, err)
	}
	for cut := 0; cut < len(full)-1; cut++ {
		got, whole, err := records(t, full[:cut])
		if cut <= len(`{"Records":`) {
			if !errors.Is(err, ErrNoRecords) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("cut %d: err %v", cut, err)
			}
			continue
		}
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut %d: err %v, want ErrTruncated", cut, err)
		}
		var joined string
		for i, r := range got {
			if whole[i] != (r == all[i]) {
				t.Fatalf("cut %d: record %d %q whole=%v", cut, i, r, whole[i])
			}
			if !whole[i] && (i != len(got)-1 || !strings.HasPrefix(all[i], r)) {
				t.Fatalf("cut %d: partial record %q is not the start of %q", cut, r, all[i])
			}
			joined += r
		}
		if !strings.Contains(full[:cut], joined[:min(len(joined), 1)]) {
			t.Fatalf("cut %d: records %q", cut, got)
		}
	}
}

type putSink struct {
	rows []*schemas.CloudTrailEvent
	file *schemas.Object
	blob []byte
	fail bool
}

func (s *putSink) Put(_ context.Context, e collect.Evidence) error {
	if e.Body != nil {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		s.blob = b
	}
	switch r := e.Row.(type) {
	case *schemas.CloudTrailEvent:
		s.rows = append(s.rows, r)
	case *schemas.Object:
		s.file = r
	}
	return nil
}

func (s *putSink) Gap(context.Context, collect.Gap) error { return nil }

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func readFile(t *testing.T, body []byte) (*Read, *putSink, int) {
	return readFileHolding(t, body, 0)
}

func readFileHolding(t *testing.T, body []byte, held int64) (*Read, *putSink, int) {
	t.Helper()
	sink := &putSink{}
	opens := 0
	res, err := ReadFile(context.Background(), sink, File{
		Unit: collect.Unit{Source: Name, ID: "u"}, ObjectID: "f", Row: &schemas.Object{Key: "f"},
		Now: func() time.Time { return time.Unix(0, 0) }, MaxBuffered: held,
		Open: func(context.Context) (io.ReadCloser, error) {
			opens++
			return io.NopCloser(bytes.NewReader(body)), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, sink, opens
}

func TestReadFile(t *testing.T) {
	var recs []string
	for i := range 50 {
		b, _ := json.Marshal(map[string]any{"eventID": strconv.Itoa(i), "eventTime": "2026-11-16T10:00:00Z", "pad": strings.Repeat("p", 1000)})
		recs = append(recs, string(b))
	}
	content := []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
	body := gz(content)

	res, sink, opens := readFile(t, body)
	if res.Problem != nil || res.Records != 50 || opens != 1 || !bytes.Equal(sink.blob, body) {
		t.Fatalf("whole file: %+v, %d opens", res, opens)
	}
	blobs := func(sha string) (io.ReadCloser, error) {
		if sha != res.BlobSHA256 {
			return nil, errors.New("no such blob")
		}
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	for i, r := range sink.rows {
		// A whole record lives once, in the file: the row points to it.
		got, err := Record(r, blobs)
		if r.RecordIndex != int64(i) || r.Raw != "" || err != nil || string(got) != recs[i] || *r.BlobSHA256 != res.BlobSHA256 || r.Via != Via {
			t.Fatalf("row %d: %+v: record %.40q, %v", i, r, got, err)
		}
	}

	// Records too large to hold: read again, same rows.
	res2, sink2, opens := readFileHolding(t, body, 10_000)
	if opens != 2 || res2.Records != 50 || res2.BlobSHA256 != res.BlobSHA256 || len(sink2.rows) != 50 ||
		*sink2.rows[49].RawOffset != *sink.rows[49].RawOffset || *sink2.rows[49].RawSize != int64(len(recs[49])) {
		t.Fatalf("second read: %+v, %d opens, %d rows", res2, opens, len(sink2.rows))
	}

	// Cut short: the whole blob as delivered, rows up to the cut.
	cut := body[:len(body)*2/3]
	res3, sink3, _ := readFile(t, cut)
	if !errors.Is(res3.Problem, ErrTruncated) || !bytes.Equal(sink3.blob, cut) || res3.Records == 0 || res3.Unparsed != 1 {
		t.Fatalf("cut: %+v", res3)
	}
	last := sink3.rows[len(sink3.rows)-1]
	if last.Parsed || last.RawOffset != nil || last.Raw == "" || !strings.HasPrefix(recs[len(sink3.rows)-1], last.Raw) {
		t.Fatalf("cut: last row %.20q parsed %v, offset %v", last.Raw, last.Parsed, last.RawOffset)
	}
	for i, r := range sink3.rows[:len(sink3.rows)-1] {
		if !r.Parsed || r.RawOffset == nil {
			t.Fatalf("a whole record before the cut is not parsed: %+v", r)
		}
		cutBlobs := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(cut)), nil }
		if got, err := Record(r, cutBlobs); err != nil || string(got) != recs[i] {
			t.Fatalf("cut: row %d reads back %.40q, %v", i, got, err)
		}
	}

	// Not a log file: kept, a problem, no rows.
	res4, sink4, _ := readFile(t, gz([]byte(`{"Events":[]}`)))
	if !errors.Is(res4.Problem, ErrNoRecords) || len(sink4.rows) != 0 || !res4.Stored {
		t.Fatalf("not a log file: %+v", res4)
	}
	// Plain JSON is read as well as gzip.
	res5, _, _ := readFile(t, content)
	if res5.Records != 50 || res5.ContentSHA256 != res.ContentSHA256 {
		t.Fatalf("plain: %+v", res5)
	}
}

func TestCoverage(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Coverage
	}{
		{"basic management only", `{"EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[]}]}`, Coverage{Management: true}},
		{"basic s3 and lambda", `{"EventSelectors":[{"IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]},{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}]}`, Coverage{Management: true, S3: true, Lambda: true}},
		{"advanced bedrock", `{"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Bedrock::Model"]}]}]}`, Coverage{Bedrock: true, Advanced: true}},
		{"advanced management", `{"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}`, Coverage{Management: true, Advanced: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := decodeSelectors(t, tc.in)
			if got := CoverageOf(out); got != tc.want {
				t.Fatalf("coverage %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzRecords: on any input the scanner neither panics nor loses bytes;
// on a valid log file it yields exactly the records encoding/json finds,
// byte for byte.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{`{"Records":[]}`, `{"Records":[{"a":"]},"},null,1]}`, `{"x":[1],"Records":[{"b":{"c":[]}}]}`, `{"Records":[{"a":"\\"}`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var got []string
		err := Records(strings.NewReader(in), func(raw []byte, off int64, whole bool) error {
			if off < 0 || off+int64(len(raw)) > int64(len(in)) || in[off:off+int64(len(raw))] != string(raw) {
				t.Fatalf("record %q is not at offset %d of the input", raw, off)
			}
			got = append(got, string(raw))
			return nil
		})
		var doc struct{ Records []json.RawMessage }
		if json.Unmarshal([]byte(in), &doc) != nil || doc.Records == nil || !strings.HasPrefix(strings.TrimSpace(in), "{") {
			return
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &obj) != nil || len(obj) != strings.Count(in, `"Records"`) {
			return // duplicate or nested keys: encoding/json keeps the last, the scanner the first top-level
		}
		if err != nil {
			t.Fatalf("valid log file: %v", err)
		}
		if len(got) != len(doc.Records) {
			t.Fatalf("%d records, encoding/json finds %d", len(got), len(doc.Records))
		}
		for i := range got {
			if got[i] != string(doc.Records[i]) {
				t.Fatalf("record %d: %q, encoding/json %q", i, got[i], doc.Records[i])
			}
		}
	})
}
