package kbobjects

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewClient builds the S3 client of a target's configuration. With a
// custom endpoint (an emulator) buckets are addressed by path, since an
// emulator on a loopback address serves no bucket subdomains. An object
// stored without a checksum is recorded as such, not logged: the SDK
// would otherwise write a line to stderr for each one.
func NewClient(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true
		if cfg.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}
