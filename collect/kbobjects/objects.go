// Package kbobjects preserves the S3 objects behind knowledge bases and
// other data stores: every object version and delete marker under a
// location, hashed and kept as a blob, with what S3 claimed about each
// (ETag, checksum) beside it.
package kbobjects

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "s3.objects"

// KindBucket is the kind of the bucket snapshot (versioning, object lock,
// policy, encryption, public access block) recorded once per run for each
// bucket of an account objects are read from, by the first of its
// locations' units to read it.
const KindBucket = "aws.s3.bucket"

// API is the part of the S3 client this source uses.
type API interface {
	s3.ListObjectVersionsAPIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetObjectLockConfiguration(ctx context.Context, in *s3.GetObjectLockConfigurationInput, opts ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, opts ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
}

// Location is a place in S3 whose objects are evidence, and what led to it.
type Location struct {
	Account string // the target account it is read from; "" = any
	Region  string // the bucket's region; "" = ask S3 (GetBucketLocation)
	Bucket  string
	Prefix  string
	LedBy   string // e.g. the ARN of the knowledge-base data source
}

// Mode says which object versions have their content preserved. Versions
// not preserved are still listed, as rows with Skipped set.
type Mode string

const (
	AllVersions Mode = "all-versions"
	Latest      Mode = "latest"
	None        Mode = "none"
)

// ParseMode accepts the modes' names; "" is AllVersions.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return AllVersions, nil
	case AllVersions, Latest, None:
		return m, nil
	}
	return "", fmt.Errorf("kbobjects: objects mode %q: want none, latest or all-versions", s)
}

// Objects preserves the objects under the given locations, one unit per
// bucket and prefix, so an interrupted run resumes location by location.
type Objects struct {
	Client         func(collect.Target) (API, error)
	Locations      []Location
	Objects        Mode  // "" = AllVersions
	MaxObjectBytes int64 // content larger than this is not preserved; 0 = no limit
	PageSize       int32 // ListObjectVersions page; 0 = S3's default (1000)
	Now            func() time.Time
	// Estate, when Locations is empty, finds each target's locations:
	// what its knowledge bases, custom and imported models and agent
	// action groups read from S3.
	Estate *discover.Estate
	// Preserved, when set, holds what a killed run of the same case had
	// already stored: those versions are not fetched again, and Salvaged,
	// when set, counts them.
	Preserved Preserved
	Salvaged  *atomic.Int64

	buckets recordedBuckets
}

var _ collect.Source = (*Objects)(nil)

func (*Objects) Name() string { return Source }

// unitID names a location's unit; it is stable across runs.
func unitID(bucket, prefix string) string { return "s3://" + bucket + "/" + prefix }

// Units lists one unit per distinct bucket and prefix of the target's
// account that lies in the target's region.
func (o *Objects) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	if len(o.Locations) == 0 && o.Estate != nil {
		return o.discoveredUnits(ctx, t)
	}
	var api API
	var units []collect.Unit
	seen := map[string]bool{}
	for _, l := range o.Locations {
		if l.Account != "" && l.Account != t.Account {
			continue
		}
		id := unitID(l.Bucket, l.Prefix)
		if seen[id] {
			continue
		}
		region := l.Region
		if region == "" {
			if api == nil {
				var err error
				if api, err = o.Client(t); err != nil {
					return nil, err
				}
			}
			var err error
			if region, err = locate(ctx, api, l.Bucket, t.Region); err != nil {
				return nil, err
			}
		}
		if region != t.Region {
			continue
		}
		seen[id] = true
		units = append(units, collect.Unit{Source: Source, ID: id, Target: t})
	}
	return units, nil
}

// locate asks S3 for a bucket's region. A bucket that cannot be located
// from here is collected from here, where the refusal is recorded as a
// gap; only cancellation is an error.
func locate(ctx context.Context, api API, bucket, here string) (string, error) {
	out, err := api.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		return bucketRegion(out.LocationConstraint), nil
	case ctx.Err() != nil:
		return "", ctx.Err()
	}
	return here, nil
}

// bucketRegion maps a LocationConstraint to a region name.
func bucketRegion[S ~string](c S) string {
	switch c {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return string(c)
}

// location returns what the unit covers: its bucket, prefix, and
// everything that led to it.
func (o *Objects) location(u collect.Unit) (bucket, prefix string, inside []string, ledBy string, ok bool) {
	if len(o.Locations) == 0 && o.Estate != nil {
		return o.discoveredLocation(u)
	}
	var led []string
	for _, l := range o.Locations {
		if unitID(l.Bucket, l.Prefix) != u.ID || (l.Account != "" && l.Account != u.Target.Account) {
			continue
		}
		bucket, prefix, ok = l.Bucket, l.Prefix, true
		if l.LedBy != "" && !slices.Contains(led, l.LedBy) {
			led = append(led, l.LedBy)
		}
	}
	return bucket, prefix, nil, strings.Join(led, ","), ok
}

func (o *Objects) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o *Objects) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	if u.ID == discover.UnitID && o.Estate != nil {
		return o.Estate.Refusal(ctx, u.Target)
	}
	bucket, prefix, inside, ledBy, ok := o.location(u)
	if !ok {
		return fmt.Errorf("kbobjects: unknown unit %q", u.ID)
	}
	mode, err := ParseMode(string(o.Objects))
	if err != nil {
		return err
	}
	api, err := o.Client(u.Target)
	if err != nil {
		return err
	}
	c := &collector{o: o, api: api, u: u, sink: sink, bucket: bucket, inside: inside, ledBy: ledBy, mode: mode}
	if err := o.buckets.once(ctx, u.Target.Account, bucket, func() error { return c.configuration(ctx) }); err != nil {
		return err
	}
	return c.list(ctx, prefix)
}

// collector holds the state of one location's collection.
type collector struct {
	o      *Objects
	api    API
	u      collect.Unit
	sink   collect.Sink
	bucket string
	inside []string // prefixes under this location that other units collect
	ledBy  string
	mode   Mode
}

// list preserves every version and delete marker under prefix, reading
// several versions' content at once. The readers live as long as the
// listing: a goroutine per version would grow a new stack through the
// SDK's middleware for every object, a tenth of the collector's CPU.
func (c *collector) list(ctx context.Context, prefix string) error {
	type version struct {
		row     *schemas.Object
		listReq string
	}
	g, gctx := errgroup.WithContext(ctx)
	versions := make(chan version)
	for range objectsInFlight {
		g.Go(func() error {
			for v := range versions {
				if err := c.object(gctx, v.row, v.listReq); err != nil {
					for range versions { // let the walk end; gctx is done
					}
					return err
				}
			}
			return nil
		})
	}
	err := c.walk(gctx, prefix, func(row *schemas.Object, listReq string) {
		select {
		case versions <- version{row, listReq}:
		case <-gctx.Done():
		}
	})
	close(versions)
	// A failed read ends the walk through gctx; its error is the one to
	// tell, not the listing's cancellation.
	if gerr := g.Wait(); gerr != nil {
		return gerr
	}
	return err
}

// objectsInFlight is how many versions of one location are read at once.
// One at a time, every object's blob work (temporary file, probe, write)
// added to its GET instead of overlapping the next; S3 serves a prefix
// thousands of reads a second. Each read in flight holds a probe buffer
// (1 MiB) once its body arrives.
const objectsInFlight = 8

// walk lists every version and delete marker under prefix, records delete
// markers and hands each version to fetch, which may read it later. Keys
// are asked for URL-encoded, so keys XML cannot carry arrive intact, and
// decoded only when S3 says it encoded them.
func (c *collector) walk(ctx context.Context, prefix string, fetch func(row *schemas.Object, listReq string)) error {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(c.bucket), Prefix: aws.String(prefix), EncodingType: "url"}
	if c.o.PageSize > 0 {
		in.MaxKeys = aws.Int32(c.o.PageSize)
	}
	for {
		page, err := c.api.ListObjectVersions(ctx, in)
		if err != nil {
			return fmt.Errorf("kbobjects: list versions s3://%s/%s: %w", c.bucket, prefix, err)
		}
		reqID, _ := awsmiddleware.GetRequestIDMetadata(page.ResultMetadata)
		enc := page.EncodingType == "url"
		for _, v := range page.Versions {
			key, err := decodeKey(aws.ToString(v.Key), enc)
			if err != nil {
				return fmt.Errorf("kbobjects: list versions s3://%s/%s: %w", c.bucket, prefix, err)
			}
			if under(key, c.inside) {
				continue
			}
			row := &schemas.Object{
				Bucket: c.bucket, Key: key, VersionID: aws.ToString(v.VersionId),
				IsLatest: aws.ToBool(v.IsLatest), Size: aws.ToInt64(v.Size), ETag: aws.ToString(v.ETag),
				StorageClass: string(v.StorageClass), LastModified: aws.ToTime(v.LastModified).UTC(),
				LedBy: c.ledBy,
			}
			if len(v.ChecksumAlgorithm) > 0 {
				row.ChecksumAlgo = aws.String(string(v.ChecksumAlgorithm[0]))
			}
			fetch(row, reqID)
		}
		for _, d := range page.DeleteMarkers {
			key, err := decodeKey(aws.ToString(d.Key), enc)
			if err != nil {
				return fmt.Errorf("kbobjects: list versions s3://%s/%s: %w", c.bucket, prefix, err)
			}
			if under(key, c.inside) {
				continue
			}
			row := &schemas.Object{
				Bucket: c.bucket, Key: key, VersionID: aws.ToString(d.VersionId),
				IsLatest: aws.ToBool(d.IsLatest), DeleteMarker: true,
				LastModified: aws.ToTime(d.LastModified).UTC(), LedBy: c.ledBy,
			}
			if err := c.put(ctx, row, "ListObjectVersions", reqID, nil); err != nil {
				return err
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			return nil
		}
		next, err := decodeKey(aws.ToString(page.NextKeyMarker), enc)
		if err != nil {
			return fmt.Errorf("kbobjects: list versions s3://%s/%s: next key marker: %w", c.bucket, prefix, err)
		}
		nextVersion := aws.ToString(page.NextVersionIdMarker)
		if next == aws.ToString(in.KeyMarker) && nextVersion == aws.ToString(in.VersionIdMarker) {
			return fmt.Errorf("kbobjects: list versions s3://%s/%s: S3 repeated the marker %q %q", c.bucket, prefix, next, nextVersion)
		}
		in.KeyMarker, in.VersionIdMarker = aws.String(next), aws.String(nextVersion)
	}
}

// object preserves one version's content, or records why it was not.
func (c *collector) object(ctx context.Context, row *schemas.Object, listReq string) error {
	switch {
	case c.mode == None:
		return c.skip(ctx, row, "objects=none", listReq)
	case c.mode == Latest && !row.IsLatest:
		return c.skip(ctx, row, "objects=latest: not the latest version", listReq)
	case c.o.MaxObjectBytes > 0 && row.Size > c.o.MaxObjectBytes:
		return c.skip(ctx, row, fmt.Sprintf("size %d exceeds max-object-bytes %d", row.Size, c.o.MaxObjectBytes), listReq)
	}
	if err := ctx.Err(); err != nil {
		return err // another read of the location failed
	}
	if done, err := c.fromPreserved(ctx, row); done || err != nil {
		return err
	}
	in := &s3.GetObjectInput{Bucket: aws.String(row.Bucket), Key: aws.String(row.Key), ChecksumMode: "ENABLED"}
	if row.VersionID != "" && row.VersionID != "null" {
		in.VersionId = aws.String(row.VersionID)
	}
	for attempt := 1; ; attempt++ {
		retry, err := c.get(ctx, row, in, listReq, attempt == getAttempts)
		if !retry {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
		}
	}
}

// getAttempts bounds the reads of one object version whose content breaks
// off while it streams.
const getAttempts = 4

// get reads one version's content into the sink. Content that broke off
// or failed S3's checksum while it streamed is read again (retry), unless
// this is the last attempt.
func (c *collector) get(ctx context.Context, row *schemas.Object, in *s3.GetObjectInput, listReq string, last bool) (retry bool, err error) {
	out, err := c.api.GetObject(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if ctx.Err() == nil && errors.As(err, &ae) {
			return false, c.refused(ctx, row, ae.ErrorCode(), err, listReq)
		}
		return false, fmt.Errorf("kbobjects: get %s: %w", objectID(row), err)
	}
	defer out.Body.Close()
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if algo, sum := checksumOf(out); sum != nil {
		row.ChecksumAlgo, row.Checksum = algo, sum
	}
	if out.ETag != nil && row.ETag == "" {
		row.ETag = aws.ToString(out.ETag)
	}
	body := &readErr{r: out.Body}
	if c.o.MaxObjectBytes > 0 {
		body.limit = c.o.MaxObjectBytes
	}
	err = c.put(ctx, row, "GetObject", reqID, body)
	if err != nil && body.err != nil && ctx.Err() == nil {
		// The content broke off or failed S3's checksum while it streamed:
		// the sink stored nothing for it. Read it again, or record the
		// object as not preserved.
		row.SHA256, row.BlobSHA256 = nil, nil
		tooLarge := errors.Is(body.err, ErrTooLarge)
		if !tooLarge && !last {
			return true, nil
		}
		cause := schemas.CauseUnreachable
		if tooLarge {
			cause = schemas.CauseSkipped
		}
		return false, c.refused(ctx, row, cause, body.err, reqID)
	}
	return false, err
}

// skip records a version whose content is deliberately not preserved.
func (c *collector) skip(ctx context.Context, row *schemas.Object, why, reqID string) error {
	row.Skipped = aws.String(why)
	return c.put(ctx, row, "ListObjectVersions", reqID, nil)
}

// refused records a version whose content could not be read, both as a row
// and as a gap, and lets the location go on.
func (c *collector) refused(ctx context.Context, row *schemas.Object, cause string, err error, reqID string) error {
	row.Skipped = aws.String(cause + ": " + err.Error())
	if err := c.put(ctx, row, "ListObjectVersions", reqID, nil); err != nil {
		return err
	}
	return c.sink.Gap(ctx, collect.Gap{
		Unit: c.u, Cause: cause, Time: c.o.now(),
		Message: fmt.Sprintf("kbobjects: get %s: %v", objectID(row), err),
	})
}

func (c *collector) put(ctx context.Context, row *schemas.Object, op, reqID string, body io.Reader) error {
	at := c.o.now()
	row.Operation, row.RequestID, row.AcquiredAt = op, reqID, at
	e := collect.Evidence{
		Kind: schemas.KindS3Object, Unit: c.u, ObjectID: objectID(row), ObservedAt: at,
		Provenance: schemas.Provenance{Service: "s3", Operation: op, RequestID: reqID, Time: at},
		Claimed:    claimed(row),
		Row:        row,
	}
	if body != nil {
		e.Body = body
	}
	return c.sink.Put(ctx, e)
}

// objectID is s3://bucket/key?versionId=, the key exactly as S3 holds it.
func objectID(row *schemas.Object) string {
	return "s3://" + row.Bucket + "/" + row.Key + "?versionId=" + row.VersionID
}

// claimed is what S3 asserted about the content, for cross-checks.
func claimed(row *schemas.Object) string {
	var parts []string
	if row.ETag != "" {
		parts = append(parts, "etag="+row.ETag)
	}
	if row.ChecksumAlgo != nil && row.Checksum != nil {
		parts = append(parts, strings.ToLower(*row.ChecksumAlgo)+"="+*row.Checksum)
	}
	return strings.Join(parts, " ")
}

// decodeKey undoes S3's url encoding type, which is form encoding: '+' is
// a space.
func decodeKey(k string, encoded bool) (string, error) {
	if !encoded {
		return k, nil
	}
	d, err := url.QueryUnescape(k)
	if err != nil {
		return "", fmt.Errorf("url-encoded key %q: %w", k, err)
	}
	return d, nil
}

// checksumOf returns the checksum S3 holds for the object, if any.
func checksumOf(out *s3.GetObjectOutput) (algo, sum *string) {
	for _, c := range []struct {
		name string
		v    *string
	}{
		{"CRC64NVME", out.ChecksumCRC64NVME}, {"SHA256", out.ChecksumSHA256}, {"SHA1", out.ChecksumSHA1},
		{"CRC32C", out.ChecksumCRC32C}, {"CRC32", out.ChecksumCRC32}, {"SHA512", out.ChecksumSHA512},
		{"MD5", out.ChecksumMD5}, {"XXHASH128", out.ChecksumXXHASH128}, {"XXHASH64", out.ChecksumXXHASH64},
		{"XXHASH3", out.ChecksumXXHASH3},
	} {
		if c.v != nil && *c.v != "" {
			return aws.String(c.name), c.v
		}
	}
	return nil, nil
}

// readErr remembers the error its reader failed with, so a failure of the
// content can be told from a failure of the sink, and refuses content
// beyond limit.
type readErr struct {
	r     io.Reader
	n     int64
	limit int64 // 0 = none
	err   error
}

// ErrTooLarge is the read error of content that outgrew MaxObjectBytes while it
// streamed, though S3 listed it smaller.
var ErrTooLarge = errors.New("content exceeds max-object-bytes")

func (b *readErr) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		b.err = ErrTooLarge
		return n, b.err
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
