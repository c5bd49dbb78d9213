package agency

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/custodyhq/custody/collect"
)

// NewClient builds the IAM client of a target's configuration, keeping
// response bodies byte-exact.
func NewClient(cfg aws.Config) *iam.Client {
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}
