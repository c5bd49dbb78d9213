package lab

import (
	"context"
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bedrockagent "github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/zstd"
)

// TestKnowledgeBaseCorpus reads a small generated corpus through the SDK:
// the knowledge base leads to it, every page of ListObjectVersions and
// ListObjectsV2 agrees with HeadObject and GetObject on size and ETag,
// content is the same on every read and does not compress, sizes vary and
// add up to the total asked for.
func TestKnowledgeBaseCorpus(t *testing.T) {
	const n, total = 1000, 8 << 20
	s, url := startLab(t, Options{NoQuotas: true, Scenario: Builtin(BuiltinOptions{KBObjects: n, KBBytes: total})})
	ctx := context.Background()
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")

	ds, err := bedrockagent.NewFromConfig(cfg).GetDataSource(ctx, &bedrockagent.GetDataSourceInput{
		KnowledgeBaseId: aws.String(CorpusKnowledgeBaseID), DataSourceId: aws.String(CorpusDataSourceID)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ds.DataSource.DataSourceConfiguration.S3Configuration.BucketArn); got != "arn:aws:s3:::"+CorpusBucketName() {
		t.Fatalf("data source bucket = %s", got)
	}

	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := aws.String(CorpusBucketName())
	type listed struct {
		etag, vid string
		size      int64
	}
	var keys []string
	versions := map[string]listed{}
	pages := s3.NewListObjectVersionsPaginator(cl, &s3.ListObjectVersionsInput{Bucket: bucket, Prefix: aws.String("documents/"), MaxKeys: aws.Int32(300)})
	var sum, smallest, largest int64 = 0, total, 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Versions {
			k := aws.ToString(v.Key)
			if len(keys) > 0 && k <= keys[len(keys)-1] {
				t.Fatalf("key %s after %s", k, keys[len(keys)-1])
			}
			keys = append(keys, k)
			size := aws.ToInt64(v.Size)
			versions[k] = listed{aws.ToString(v.ETag), aws.ToString(v.VersionId), size}
			sum += size
			smallest, largest = min(smallest, size), max(largest, size)
		}
	}
	if len(keys) != n || sum != total {
		t.Fatalf("listed %d versions of %d bytes, want %d of %d", len(keys), sum, n, total)
	}
	if mean := int64(total / n); smallest > mean*9/10 || largest < mean*11/10 {
		t.Fatalf("sizes range %d..%d around a mean of %d: not varied", smallest, largest, mean)
	}

	// ListObjectsV2 pages from a key in the middle.
	v2, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, StartAfter: aws.String(keys[499]), MaxKeys: aws.Int32(10)})
	if err != nil || len(v2.Contents) != 10 || aws.ToString(v2.Contents[0].Key) != keys[500] || !aws.ToBool(v2.IsTruncated) ||
		aws.ToInt64(v2.Contents[0].Size) != versions[keys[500]].size || aws.ToString(v2.Contents[0].ETag) != versions[keys[500]].etag {
		t.Fatalf("ListObjectsV2 after %s: %v, %d contents, first %s %d %s, want %+v", keys[499], err, len(v2.Contents),
			aws.ToString(v2.Contents[0].Key), aws.ToInt64(v2.Contents[0].Size), aws.ToString(v2.Contents[0].ETag), versions[keys[500]])
	}

	enc, _ := zstd.NewWriter(nil)
	for _, k := range []string{keys[0], keys[123], keys[n-1]} {
		want := versions[k]
		h, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String(k)})
		if err != nil || aws.ToInt64(h.ContentLength) != want.size || aws.ToString(h.ETag) != want.etag || aws.ToString(h.VersionId) != want.vid {
			t.Fatalf("HeadObject %s = %+v, %v; listed %+v", k, h, err, want)
		}
		var first []byte
		var sums [2][32]byte
		for i := range sums {
			g, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(k), VersionId: aws.String(want.vid), ChecksumMode: "ENABLED"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(g.Body)
			g.Body.Close()
			if err != nil || int64(len(b)) != want.size || aws.ToString(g.ETag) != want.etag || aws.ToString(g.ContentType) != "application/pdf" {
				t.Fatalf("GetObject %s: %d bytes, %+v, %v; listed %+v", k, len(b), g, err, want)
			}
			sums[i] = sha256.Sum256(b)
			first = b
		}
		if sums[0] != sums[1] {
			t.Fatalf("GetObject %s: content differs between reads", k)
		}
		if !strings.HasPrefix(string(first), "%PDF-") {
			t.Fatalf("GetObject %s: no PDF header", k)
		}
		if z := enc.EncodeAll(first, nil); len(z) < len(first)*98/100 {
			t.Fatalf("GetObject %s: %d bytes compress to %d", k, len(first), len(z))
		}
		// A range in the middle is the same bytes as the whole read.
		g, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(k), Range: aws.String("bytes=1000-5000")})
		if err != nil {
			t.Fatal(err)
		}
		part, err := io.ReadAll(g.Body)
		g.Body.Close()
		if err != nil || string(part) != string(first[1000:5001]) {
			t.Fatalf("GetObject %s bytes=1000-5000: %d bytes, %v; not the whole read's", k, len(part), err)
		}
	}
	if _, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("documents/0001000.pdf")}); err == nil {
		t.Fatal("GetObject past the corpus succeeded")
	}
}

// TestKnowledgeBaseCorpusAbsent keeps the default scenario free of it.
func TestKnowledgeBaseCorpusAbsent(t *testing.T) {
	for _, b := range Builtin(BuiltinOptions{}).Account(ProdAccount).Buckets {
		if b.Name == CorpusBucketName() || b.corpus != nil {
			t.Fatalf("default scenario has the corpus bucket %s", b.Name)
		}
	}
}
