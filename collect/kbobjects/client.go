package kbobjects

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// NewClient builds the S3 client of a target's configuration. With a
// custom endpoint (an emulator) buckets are addressed by path, since an
// emulator on a loopback address serves no bucket subdomains.
func NewClient(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if cfg.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}
