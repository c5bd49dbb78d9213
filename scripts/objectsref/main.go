// Command objectsref is the reference reader of scripts/bench-objects.sh:
// it lists every object version of a bucket and GETs each one, with the
// given concurrency, through the SDK's S3 client as custody does, and
// discards the bytes. It prints the versions read, the bytes and the wall
// time, the serving rate custody's collection is compared with.
//
//	objectsref -bucket NAME [-prefix P] [-role ARN] [-concurrency N]
//
// Credentials, region and endpoint come from the environment, as for
// custody; -role is assumed first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	bucket := flag.String("bucket", "", "bucket to read")
	prefix := flag.String("prefix", "", "key prefix")
	role := flag.String("role", "", "role to assume first")
	conc := flag.Int("concurrency", 1, "GETs in flight")
	flag.Parse()
	if *bucket == "" {
		fmt.Fprintln(os.Stderr, "objectsref: -bucket is required")
		os.Exit(2)
	}
	if err := run(context.Background(), *bucket, *prefix, *role, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "objectsref:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bucket, prefix, role string, conc int) error {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	if role != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role))
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.BaseEndpoint != nil
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	start := time.Now()
	type version struct{ key, id string }
	work := make(chan version, 1000)
	var objects, bytes atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Go(func() {
			buf := make([]byte, 256<<10)
			for v := range work {
				out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &v.key, VersionId: &v.id, ChecksumMode: "ENABLED"})
				if err != nil {
					errs <- fmt.Errorf("get %s: %w", v.key, err)
					return
				}
				n, err := io.CopyBuffer(io.Discard, out.Body, buf)
				out.Body.Close()
				if err != nil {
					errs <- fmt.Errorf("read %s: %w", v.key, err)
					return
				}
				objects.Add(1)
				bytes.Add(n)
			}
		})
	}
	pages := s3.NewListObjectVersionsPaginator(cl, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &prefix})
	var listErr error
list:
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			listErr = fmt.Errorf("list: %w", err)
			break
		}
		for _, v := range p.Versions {
			select {
			case work <- version{aws.ToString(v.Key), aws.ToString(v.VersionId)}:
			case listErr = <-errs:
				break list
			}
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if listErr != nil {
		return listErr
	}
	if err := <-errs; err != nil {
		return err
	}
	wall := time.Since(start).Seconds()
	fmt.Printf("objects=%d bytes=%d wall=%.3f\n", objects.Load(), bytes.Load(), wall)
	return nil
}
