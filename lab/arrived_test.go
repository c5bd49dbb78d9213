package lab

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an HTTP transport that keeps the last response body, so a
// test can compare what the lab sent with what the SDK decoded.
type recorder struct {
	mu   sync.Mutex
	last []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = b
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) body() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// arrived checks that every non-zero member of the JSON the lab sent
// arrived in the SDK's output struct: a member the SDK does not know (a
// misspelled wire name) or decodes to nothing fails the test.
func arrived(t *testing.T, what string, body []byte, out any) {
	t.Helper()
	var wire any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&wire); err != nil {
		t.Fatalf("%s: response is not JSON: %v", what, err)
	}
	for _, p := range mismatches(wire, reflect.ValueOf(out), what) {
		t.Errorf("%s", p)
	}
}

func isZeroWire(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case json.Number:
		f, _ := x.Float64()
		return f == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func mismatches(wire any, v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return []string{path + ": sent but decoded as nil"}
		}
		v = v.Elem()
	}
	if isZeroWire(wire) {
		return nil
	}
	switch w := wire.(type) {
	case map[string]any:
		switch v.Kind() {
		case reflect.Map:
			var out []string
			for k, sub := range w {
				mv := v.MapIndex(reflect.ValueOf(k))
				if !mv.IsValid() {
					out = append(out, path+"."+k+": key missing")
					continue
				}
				out = append(out, mismatches(sub, mv, path+"."+k)...)
			}
			return out
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				return []string{path + ": object decoded as time"}
			}
			var out []string
			for k, sub := range w {
				if isZeroWire(sub) {
					continue
				}
				f := fieldFold(v, k)
				if !f.IsValid() {
					// A union member: the struct wraps its value.
					if vf := v.FieldByName("Value"); vf.IsValid() {
						out = append(out, mismatches(sub, vf, path+"."+k)...)
						continue
					}
					out = append(out, path+"."+k+": the SDK has no such member")
					continue
				}
				out = append(out, mismatches(sub, f, path+"."+k)...)
			}
			return out
		}
		return []string{path + ": object decoded as " + v.Kind().String()}
	case []any:
		if v.Kind() == reflect.String {
			return nil // a document member
		}
		if v.Kind() != reflect.Slice {
			return []string{path + ": array decoded as " + v.Kind().String()}
		}
		if v.Len() != len(w) {
			return []string{path + ": array of " + strconv.Itoa(len(w)) + " decoded as " + strconv.Itoa(v.Len())}
		}
		var out []string
		for i, sub := range w {
			out = append(out, mismatches(sub, v.Index(i), path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	}
	if v.IsZero() {
		return []string{path + ": sent but decoded as zero"}
	}
	if s, ok := wire.(string); ok && v.Kind() == reflect.String && v.String() != s {
		return []string{path + ": sent " + s + ", decoded " + v.String()}
	}
	return nil
}

func fieldFold(v reflect.Value, name string) reflect.Value {
	for i := range v.NumField() {
		if strings.EqualFold(v.Type().Field(i).Name, name) {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}

func TestArrivedCatchesUnknownMembers(t *testing.T) {
	type inner struct{ Strength string }
	type out struct {
		GuardrailId *string
		Filters     []inner
		CreatedAt   *time.Time
	}
	id := "x"
	got := mismatches(map[string]any{"guardrailId": "x", "filters": []any{map[string]any{"strenght": "HIGH"}}, "createdAt": "2026-11-16T00:00:00Z"},
		reflect.ValueOf(&out{GuardrailId: &id, Filters: []inner{{}}}), "o")
	if len(got) != 2 {
		t.Fatalf("mismatches = %q, want the misspelled member and the nil time", got)
	}
}
