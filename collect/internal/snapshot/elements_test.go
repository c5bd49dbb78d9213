package snapshot

import (
	"testing"

	"github.com/aws/smithy-go/middleware"
)

// Each element of a listing comes back byte for byte as AWS sent it,
// spacing, key order and escapes included.
func TestElementsAreByteExact(t *testing.T) {
	body := `{"nextToken":"x", "items" : [ {"b":1,"a":"\u00e9"} ,{"a" : [1, 2]}], "other":[{}]}`
	got, err := elements([]byte(body), "items")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"b":1,"a":"\u00e9"}`, `{"a" : [1, 2]}`}
	if len(got) != len(want) {
		t.Fatalf("%d elements, want %d", len(got), len(want))
	}
	for i := range want {
		if string(Element(got, i)) != want[i] {
			t.Errorf("element %d = %s, want %s", i, Element(got, i), want[i])
		}
	}
	if Element(got, 2) != nil || Element(got, -1) != nil {
		t.Error("an element out of range is not nil")
	}
	if got, err := elements([]byte(body), "absent"); err != nil || got != nil {
		t.Errorf("absent member = %q, %v", got, err)
	}
	if _, err := elements([]byte(body[:20]), "items"); err == nil {
		t.Error("a cut body parsed")
	}
	if got, err := Elements(middleware.Metadata{}, "items"); err != nil || got != nil {
		t.Errorf("a call without a captured body gave %q, %v; want nothing", got, err)
	}
}
