package lab

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// pageToken encodes an offset into a listing, bound to the request that
// started it so a token is not replayed against another listing.
func pageToken(scope string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("lab1|" + scope + "|" + strconv.Itoa(offset)))
}

// parsePageToken returns the offset a token encodes for scope.
func parsePageToken(scope, token string) (int, bool) {
	if token == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "lab1|"+scope+"|")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// page cuts one page out of items. max is the requested page size (0 for
// the default def), capped at limit; badToken is returned for a token that
// is not this listing's.
func page[T any](items []T, scope, token string, max, def, limit int, badToken *apiError) ([]T, string, error) {
	off, ok := parsePageToken(scope, token)
	if !ok || off > len(items) {
		return nil, "", badToken
	}
	if max <= 0 {
		max = def
	}
	if max > limit {
		max = limit
	}
	end := min(off+max, len(items))
	next := ""
	if end < len(items) {
		next = pageToken(scope, end)
	}
	return items[off:end], next, nil
}

// invalidToken is the usual error for a bad pagination token.
func invalidToken(code string) *apiError {
	return newAPIError(http.StatusBadRequest, code, "Invalid pagination token")
}
