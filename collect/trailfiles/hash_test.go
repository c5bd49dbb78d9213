package trailfiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

type s3Object = s3types.Object

type hexHash struct{ hash.Hash }

func sha256Hex() hexHash      { return hexHash{sha256.New()} }
func (h hexHash) hex() string { return hex.EncodeToString(h.Sum(nil)) }

// decodeSelectors reads GetEventSelectors' JSON into the SDK's output.
func decodeSelectors(t *testing.T, s string) *cloudtrail.GetEventSelectorsOutput {
	t.Helper()
	var raw struct {
		EventSelectors []struct {
			IncludeManagementEvents *bool
			DataResources           []struct {
				Type   *string
				Values []string
			}
		}
		AdvancedEventSelectors []struct {
			FieldSelectors []struct {
				Field      *string
				Equals     []string
				StartsWith []string
			}
		}
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatal(err)
	}
	out := &cloudtrail.GetEventSelectorsOutput{}
	for _, e := range raw.EventSelectors {
		sel := types.EventSelector{IncludeManagementEvents: e.IncludeManagementEvents}
		for _, d := range e.DataResources {
			sel.DataResources = append(sel.DataResources, types.DataResource{Type: d.Type, Values: d.Values})
		}
		out.EventSelectors = append(out.EventSelectors, sel)
	}
	for _, a := range raw.AdvancedEventSelectors {
		var sel types.AdvancedEventSelector
		for _, f := range a.FieldSelectors {
			sel.FieldSelectors = append(sel.FieldSelectors, types.AdvancedFieldSelector{Field: f.Field, Equals: f.Equals, StartsWith: f.StartsWith})
		}
		out.AdvancedEventSelectors = append(out.AdvancedEventSelectors, sel)
	}
	return out
}
