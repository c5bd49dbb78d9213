package trail

import (
	"testing"

	"github.com/custodyhq/custody/schemas"
)

type rowView struct{ *schemas.CloudTrailEvent }

func (rowView) want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		if len(got) > 80 {
			got = got[:80] + "…"
		}
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}
