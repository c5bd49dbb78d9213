package trailfiles

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/custodyhq/custody/schemas"
)

func TestRecordReadsPlainAndGzipContent(t *testing.T) {
	content := []byte("{\"Records\":[{\"eventID\":\"a\"},{\"eventID\":\"b\",\"x\":\"caf\xc3\xa9 \xff\"}]}")
	for name, body := range map[string][]byte{"plain": content, "gzip": gz(content)} {
		t.Run(name, func(t *testing.T) {
			res, sink, _ := readFile(t, body)
			if res.Records != 2 {
				t.Fatalf("%+v", res)
			}
			open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			for i, want := range []string{`{"eventID":"a"}`, "{\"eventID\":\"b\",\"x\":\"caf\xc3\xa9 \xff\"}"} {
				got, err := Record(sink.rows[i], open)
				if err != nil || string(got) != want {
					t.Fatalf("row %d: %q, %v; want the bytes of the file, invalid UTF-8 and all", i, got, err)
				}
			}
		})
	}
}

func TestRecordInline(t *testing.T) {
	row := &schemas.CloudTrailEvent{EventID: "e", Raw: `{"eventID":"e"}`}
	got, err := Record(row, func(string) (io.ReadCloser, error) { return nil, errors.New("no blob should be opened") })
	if err != nil || string(got) != row.Raw {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestRecordRefusesBadReferences(t *testing.T) {
	content := []byte(`{"Records":[{"eventID":"a"}]}`)
	open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(gz(content))), nil }
	blob := "b"
	i64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name string
		row  schemas.CloudTrailEvent
		want string
	}{
		{"offset without size", schemas.CloudTrailEvent{RawOffset: i64(1), BlobSHA256: &blob}, "go together"},
		{"no blob", schemas.CloudTrailEvent{RawOffset: i64(1), RawSize: i64(2)}, "go together"},
		{"negative offset", schemas.CloudTrailEvent{RawOffset: i64(-1), RawSize: i64(2), BlobSHA256: &blob}, "out of range"},
		{"huge size", schemas.CloudTrailEvent{RawOffset: i64(0), RawSize: i64(1 << 40), BlobSHA256: &blob}, "out of range"},
		{"past the end", schemas.CloudTrailEvent{RawOffset: i64(int64(len(content)) + 5), RawSize: i64(2), BlobSHA256: &blob}, "ends before offset"},
		{"across the end", schemas.CloudTrailEvent{RawOffset: i64(12), RawSize: i64(100), BlobSHA256: &blob}, "ends inside the record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Record(&tc.row, open)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	_, err := Record(&schemas.CloudTrailEvent{RawOffset: i64(0), RawSize: i64(1), BlobSHA256: &blob},
		func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader([]byte{0x1f, 0x8b, 0})), nil })
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("a broken gzip blob: %v", err)
	}
}
