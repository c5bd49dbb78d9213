package discover

import "strings"

// Within reports whether prefix lies inside outer: every key under prefix
// is under outer too ("" is the whole bucket).
func Within(prefix, outer string) bool { return strings.HasPrefix(prefix, outer) }

// Outermost returns the outermost of the prefixes in bucket that contain
// prefix: prefix itself when none does. Locations nested in another are
// collected as part of it, so no object is collected twice.
func Outermost(bucket, prefix string, locs []Location) string {
	out := prefix
	for _, l := range locs {
		if l.Bucket == bucket && Within(out, l.Prefix) {
			out = l.Prefix
		}
	}
	return out
}

// ClaimLocation claims a bucket's prefix within scope (a source, account
// and region) for the first time in this run. It refuses a prefix that is,
// or lies inside, a prefix claimed before: that one's unit collects it.
// A prefix that contains prefixes claimed before is claimed; its unit
// leaves their keys to their units (see Inside).
func (e *Estate) ClaimLocation(scope, bucket, prefix string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.locations == nil {
		e.locations = map[string][]string{}
	}
	k := scope + "|" + bucket
	for _, p := range e.locations[k] {
		if Within(prefix, p) {
			return false
		}
	}
	e.locations[k] = append(e.locations[k], prefix)
	return true
}

// Inside returns the prefixes claimed in scope that lie strictly inside
// prefix. They were claimed before prefix was, and their units collect the
// keys under them.
func (e *Estate) Inside(scope, bucket, prefix string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, p := range e.locations[scope+"|"+bucket] {
		if p != prefix && Within(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}
