package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// fields returns the resource's normalized fields, parsed once. A row
// whose normalized column is not a JSON object has no fields.
func (r *resource) fields() map[string]any {
	if !r.parsed {
		r.parsed = true
		if r.Normalized != "" {
			dec := json.NewDecoder(strings.NewReader(r.Normalized))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err == nil {
				r.norm = m
			}
		}
		if r.norm == nil {
			r.norm = map[string]any{}
		}
	}
	return r.norm
}

// fieldDiff is one field that differs, by its dotted path.
type fieldDiff struct {
	Path          string
	Before, After any // nil when absent
}

// diffFields compares two JSON values and returns the paths where they
// differ, objects member by member, arrays as wholes. A member that is
// null on one side and absent on the other does not differ.
func diffFields(prefix string, a, b any) []fieldDiff {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		var out []fieldDiff
		for _, k := range sortedKeys(keys) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, diffFields(p, am[k], bm[k])...)
		}
		return out
	}
	if equalJSON(a, b) {
		return nil
	}
	return []fieldDiff{{Path: prefix, Before: a, After: b}}
}

func equalJSON(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// isEmpty: null, an empty string, array or object. Listings and SDK
// structures write a missing member any of these ways.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// without drops the diffs at or under the given paths.
func without(ds []fieldDiff, paths ...string) []fieldDiff {
	return slices.DeleteFunc(ds, func(d fieldDiff) bool {
		for _, p := range paths {
			if d.Path == p || strings.HasPrefix(d.Path, p+".") {
				return true
			}
		}
		return false
	})
}

func hasPath(ds []fieldDiff, paths ...string) bool {
	return len(ds) != len(without(slices.Clone(ds), paths...))
}

// describe writes field diffs as "path: before → after" lines, values
// shortened.
func describe(ds []fieldDiff) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s: %s → %s", d.Path, short(d.Before), short(d.After)))
	}
	return out
}

// short renders a JSON value on one line, at most 120 characters.
func short(v any) string {
	if v == nil {
		return "(none)"
	}
	var s string
	if str, ok := v.(string); ok {
		s = fmt.Sprintf("%q", str)
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			s = fmt.Sprint(v)
		} else {
			s = strings.TrimSpace(buf.String())
		}
	}
	if len(s) > 120 {
		s = s[:117] + "…"
	}
	return s
}

// compact renders a value as JSON for a State.
func compact(v any) string {
	if v == nil {
		return ""
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSpace(buf.String())
}

// get walks a dotted path of object members.
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func getString(v any, path string) string {
	s, _ := get(v, path).(string)
	return s
}

func getBool(v any, path string) bool {
	b, _ := get(v, path).(bool)
	return b
}

func getList(v any, path string) []any {
	l, _ := get(v, path).([]any)
	return l
}

// byName indexes the objects of a list by a member's string value.
func byName(list []any, member string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out[getString(m, member)] = m
		}
	}
	return out
}

// stringsOf reads a JSON string or list of strings.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
