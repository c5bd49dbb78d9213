package collect

import (
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect/internal/awscfg"
)

// MaxRawBody bounds the response body kept byte-exact for one call.
const MaxRawBody = 16 << 20

// CaptureRawBody is an APIOptions entry that keeps each response body as
// AWS sent it, below the SDK's decoder. Add it to clients whose responses
// are evidence in their own right (configuration snapshots).
func CaptureRawBody() func(*middleware.Stack) error { return awscfg.CaptureRawBody(MaxRawBody) }

// RawBody returns the body captured for a call's output metadata, and
// whether it is whole.
func RawBody(md middleware.Metadata) ([]byte, bool) { return awscfg.RawBody(md) }
