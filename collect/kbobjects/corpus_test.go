package kbobjects_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
)

// A knowledge base over a bucket of generated documents leads discovery
// to it, and every document is preserved over several listing pages: one
// row each, with content of the listed size that hashes as a fresh GET
// of the same version does.
func TestDiscoveredCorpusPreserved(t *testing.T) {
	const n, total = 250, 2 << 20
	l := labtest.Start(t, lab.Builtin(lab.BuiltinOptions{KBObjects: n, KBBytes: total}))
	src := &kbobjects.Objects{
		Client: func(t collect.Target) (kbobjects.API, error) {
			return kbobjects.NewClient(l.Session.Config(t)), nil
		},
		Estate:   l.Estate(),
		PageSize: 100,
	}
	sink := l.Run(t, src)
	var api *s3.Client
	seen := map[string]bool{}
	var sum int64
	for _, o := range sink.Objects {
		if o.Bucket != lab.CorpusBucketName() {
			continue
		}
		if seen[o.Key] || o.Skipped != nil || o.SHA256 == nil || int64(len(sink.Blobs[*o.SHA256])) != o.Size || o.ETag == "" {
			t.Fatalf("%s?%s: seen before %v, skipped %v, sha256 %v, size %d", o.Key, o.VersionID, seen[o.Key], o.Skipped, o.SHA256, o.Size)
		}
		seen[o.Key] = true
		sum += o.Size
		if len(seen) == n/2 {
			api = kbobjects.NewClient(l.Session.Config(ledByTarget(t, l, o.LedBy)))
			out, err := api.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID)})
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			_, err = io.Copy(h, out.Body)
			out.Body.Close()
			if err != nil || hex.EncodeToString(h.Sum(nil)) != *o.SHA256 {
				t.Fatalf("%s: a second read hashes differently (%v)", o.Key, err)
			}
		}
	}
	if len(seen) != n || sum != total {
		t.Fatalf("preserved %d documents of %d bytes, want %d of %d", len(seen), sum, n, total)
	}
}

// ledByTarget is the target whose account and region the ARN that led to
// an object names: the caller that may read the object again.
func ledByTarget(t *testing.T, l *labtest.Lab, arn string) collect.Target {
	t.Helper()
	f := strings.SplitN(arn, ":", 6)
	for _, tg := range l.Targets {
		if len(f) == 6 && tg.Account == f[4] && tg.Region == f[3] {
			return tg
		}
	}
	t.Fatalf("no target for %q", arn)
	return collect.Target{}
}
