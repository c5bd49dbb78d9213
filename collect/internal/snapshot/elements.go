package snapshot

import (
	"encoding/json"
	"fmt"

	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
)

// Elements returns the members of the array under key in a captured
// listing body, each byte-exact as AWS sent it, for resources AWS
// describes only in listings. It returns nil when the body was not
// captured whole.
func Elements(md middleware.Metadata, key string) ([]json.RawMessage, error) {
	raw, whole := collect.RawBody(md)
	if !whole || raw == nil {
		return nil, nil
	}
	return elements(raw, key)
}

// elements returns the members of the array under key in a JSON object,
// each byte-exact.
func elements(raw []byte, key string) ([]json.RawMessage, error) {
	var page map[string]json.RawMessage
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, fmt.Errorf("snapshot: listing body: %w", err)
	}
	var items []json.RawMessage
	if v, ok := page[key]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, fmt.Errorf("snapshot: listing member %s: %w", key, err)
		}
	}
	return items, nil
}

// Element returns the i-th of elements, or nil.
func Element(elements []json.RawMessage, i int) []byte {
	if i < 0 || i >= len(elements) {
		return nil
	}
	return elements[i]
}
