package lab

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func s3Client(t *testing.T, s *Server, url, account, region string) *s3.Client {
	cfg, _ := memberConfig(t, s, url, account, region)
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func TestS3KnowledgeBaseObjects(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cl := s3Client(t, s, url, ProdAccount, "us-east-1")
	bucket := kbBucketName()
	var want *Bucket
	for _, b := range s.Scenario().Account(ProdAccount).Buckets {
		if b.Name == bucket {
			want = b
		}
	}

	lb, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != len(s.Scenario().Account(ProdAccount).Buckets) || lb.Owner == nil || aws.ToString(lb.Owner.ID) == "" {
		t.Fatalf("ListBuckets = %+v", lb)
	}
	loc, err := cl.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("location = %+v, %v", loc, err)
	}
	vers, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || vers.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning = %+v, %v", vers, err)
	}
	pol, err := cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil || aws.ToString(pol.Policy) != want.Policy {
		t.Fatalf("policy = %v, %v", aws.ToString(pol.Policy), err)
	}
	enc, err := cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" ||
		aws.ToString(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != want.KMSKeyID {
		t.Fatalf("encryption = %+v, %v", enc, err)
	}
	pab, err := cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("public access block = %+v, %v", pab, err)
	}
	tags, err := cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil || len(tags.TagSet) != len(want.Tags) {
		t.Fatalf("tags = %+v, %v", tags, err)
	}

	// Every version, paged small, in S3's order, and each body intact.
	type ver struct{ key, id string }
	var got []ver
	p := s3.NewListObjectVersionsPaginator(cl, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(7)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			if aws.ToString(v.ETag) == "" || v.LastModified == nil || v.Size == nil || v.IsLatest == nil || v.StorageClass == "" || v.Owner == nil {
				t.Fatalf("version lacks fields: %+v", v)
			}
			got = append(got, ver{aws.ToString(v.Key), aws.ToString(v.VersionId)})
		}
		for _, d := range out.DeleteMarkers {
			if d.LastModified == nil || d.IsLatest == nil {
				t.Fatalf("delete marker lacks fields: %+v", d)
			}
			got = append(got, ver{aws.ToString(d.Key), aws.ToString(d.VersionId)})
		}
	}
	var wantVers []ver
	for _, o := range want.Objects {
		wantVers = append(wantVers, ver{o.Key, o.VersionID})
	}
	sortVers := func(v []ver) {
		slices.SortFunc(v, func(a, b ver) int { return strings.Compare(a.key+"/"+a.id, b.key+"/"+b.id) })
	}
	sortVers(got)
	sortVers(wantVers)
	if !slices.Equal(got, wantVers) {
		t.Fatalf("listed %d versions, want %d", len(got), len(wantVers))
	}
	for _, o := range want.Objects {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID), ChecksumMode: s3types.ChecksumModeEnabled}
		out, err := cl.GetObject(ctx, in)
		if o.DeleteMarker {
			wantCode(t, err, "MethodNotAllowed")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != o.Body || aws.ToString(out.ETag) != o.ETag || aws.ToString(out.VersionId) != o.VersionID ||
			!out.LastModified.Equal(o.LastModified) || aws.ToString(out.ChecksumSHA256) == "" || aws.ToString(out.ContentType) != o.ContentType {
			t.Fatalf("GetObject %s?versionId=%s: etag %s version %s", o.Key, o.VersionID, aws.ToString(out.ETag), aws.ToString(out.VersionId))
		}
		h, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID)})
		if err != nil || aws.ToInt64(h.ContentLength) != int64(len(o.Body)) || aws.ToString(h.ETag) != o.ETag {
			t.Fatalf("HeadObject = %+v, %v", h, err)
		}
	}
	// The current object and a range of it.
	rg, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(PoisonedKeys[1]), Range: aws.String("bytes=0-9")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rg.Body)
	if len(b) != 10 || aws.ToString(rg.ContentRange) == "" {
		t.Fatalf("range = %q %s", b, aws.ToString(rg.ContentRange))
	}
	_, err = cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("faq/legacy-warranty.md")})
	wantCode(t, err, "NoSuchKey")
	_, err = cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("faq/none.md")})
	wantCode(t, err, "NoSuchKey")

	var keys []string
	lp := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("faq/"), MaxKeys: aws.Int32(4)})
	for lp.HasMorePages() {
		out, err := lp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if len(keys) != len(kbTopics["faq"]) || !slices.IsSorted(keys) {
		t.Fatalf("ListObjectsV2 faq/ = %v", keys)
	}

	// Writes are refused.
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("x"), Body: strings.NewReader("x")})
	wantCode(t, err, "AccessDenied")
	calls := s.Calls()
	if c := calls[len(calls)-1]; !c.Mutating || c.Operation != "PutObject" {
		t.Fatalf("PutObject logged as %+v", c)
	}
}

func TestS3AddressingAndRegions(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	bucket := kbBucketName()
	// Another region: a redirect naming the bucket's region.
	west := s3Client(t, s, url, ProdAccount, "us-west-2")
	_, err := west.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusMovedPermanently {
		t.Fatalf("wrong region: %v", err)
	}
	// Another account's bucket.
	dev := s3Client(t, s, url, DevAccount, "us-east-1")
	_, err = dev.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "AccessDenied")
	_, err = dev.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("no-such-bucket-anywhere")})
	wantCode(t, err, "NoSuchBucket")

	// Virtual-hosted style: bucket.localhost, dialled to the lab.
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")
	addr := strings.TrimPrefix(url, "http://")
	cfg.BaseEndpoint = aws.String("http://localhost:" + addr[strings.LastIndexByte(addr, ':')+1:])
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	vh := s3.NewFromConfig(cfg)
	out, err := vh.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String("policies/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) < len(kbTopics["policies"]) {
		t.Fatalf("virtual-hosted listing: %d versions", len(out.Versions))
	}
	obj, err := vh.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(PoisonedKeys[0])})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	if !strings.Contains(string(b), "refund-desk.example") {
		t.Fatalf("poisoned document = %q", b)
	}
}
