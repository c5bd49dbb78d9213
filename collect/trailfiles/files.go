package trailfiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/digest"
	"github.com/custodyhq/custody/schemas"
)

// MaxDigestBytes bounds a digest file; CloudTrail's are a few kilobytes.
const MaxDigestBytes = 16 << 20

// files reads one account-region of a trail's bucket: its digests over the
// window, validated, then its log files, each checked against them.
func (s *Source) files(ctx context.Context, api S3API, u collect.Unit, sink collect.Sink, bucket, prefix string) error {
	parts := strings.Split(strings.TrimSuffix(prefix, "/"), "/")
	if len(parts) < 3 || (parts[len(parts)-2] != "CloudTrail" && parts[len(parts)-2] != "CloudTrail-Insight") {
		return fmt.Errorf("trailfiles: unit %q: not a log prefix", u.ID)
	}
	insights := parts[len(parts)-2] == "CloudTrail-Insight"
	account, region := parts[len(parts)-3], parts[len(parts)-1]
	part := u
	part.Target = collect.Target{Account: account, Region: region, RoleARN: u.Target.RoleARN}
	digestPrefix := strings.Join(parts[:len(parts)-2], "/") + "/CloudTrail-Digest/" + region + "/"

	keys, err := s.publicKeys(ctx, u, sink)
	if err != nil {
		return err
	}
	// Digests are delivered up to an hour after the files they cover.
	var digests []*digest.Digest
	for _, day := range days(s.Since, s.Until.Add(2*time.Hour)) {
		if insights {
			break // Insights files have no digests: each is recorded as such
		}
		objs, err := listAll(ctx, api, bucket, digestPrefix+day+"/")
		if err != nil {
			return err
		}
		for _, o := range objs {
			d, err := s.readDigest(ctx, api, part, sink, bucket, aws.ToString(o.Key))
			var ae smithy.APIError
			if err != nil && ctx.Err() == nil && errors.As(err, &ae) {
				// A digest that cannot be read is a gap; the files it lists
				// are then reported without a digest.
				if err := sink.Gap(ctx, collect.Gap{Unit: u, Cause: ae.ErrorCode(), Message: err.Error(), Time: s.now()}); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if d != nil {
				digests = append(digests, d)
			}
		}
	}
	fetch := func(b, k string) (*digest.Digest, bool, error) {
		d, err := s.readDigest(ctx, api, part, sink, b, k)
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
			return nil, false, nil
		}
		return d, d != nil, err
	}
	set, err := digest.Validate(keys, digests, fetch)
	if err != nil {
		return err
	}
	for _, r := range set.Digests() {
		if err := s.putValidation(ctx, sink, part, r, "digest", nil); err != nil {
			return err
		}
	}

	seen := map[string]bool{}
	for _, day := range days(s.Since, s.Until.Add(time.Hour)) {
		objs, err := listAll(ctx, api, bucket, prefix+day+"/")
		if err != nil {
			return err
		}
		for _, o := range objs {
			key := aws.ToString(o.Key)
			if !s.inWindow(key) {
				continue
			}
			seen[key] = true
			if err := s.logFile(ctx, api, u, part, sink, set, bucket, o); err != nil {
				return err
			}
		}
	}
	// Files a digest lists that are not in the bucket were deleted.
	for _, lf := range set.Listed() {
		if lf.S3Bucket != bucket || !strings.HasPrefix(lf.S3Object, prefix) || seen[lf.S3Object] || !s.inWindow(lf.S3Object) {
			continue
		}
		r := set.LogFile(bucket, lf.S3Object, "")
		r.Check, r.Detail = digest.CheckMissing, "listed by digest "+r.Digest+", absent from the bucket"
		if err := s.putValidation(ctx, sink, part, r, "log", nil); err != nil {
			return err
		}
	}
	return nil
}

// inWindow reports whether a log file's delivery time, in its name, may
// hold events of the window. A name without a time is always read.
func (s *Source) inWindow(key string) bool {
	t, ok := fileTime(key)
	if !ok {
		return true
	}
	return !t.Before(s.Since) && !t.After(s.Until.Add(time.Hour))
}

// fileTime reads the time in <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<id>.json.gz.
func fileTime(key string) (time.Time, bool) {
	f := strings.Split(path.Base(key), "_")
	if len(f) < 5 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T1504Z", f[3])
	return t, err == nil
}

// days lists the YYYY/MM/DD prefixes from since to until, UTC.
func days(since, until time.Time) []string {
	var out []string
	d := since.UTC().Truncate(24 * time.Hour)
	for ; !d.After(until.UTC()); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format("2006/01/02"))
	}
	return out
}

func listAll(ctx context.Context, api S3API, bucket, prefix string) ([]s3types.Object, error) {
	var out []s3types.Object
	p := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("trailfiles: list s3://%s/%s: %w", bucket, prefix, err)
		}
		out = append(out, page.Contents...)
	}
	return out, nil
}

// publicKeys asks CloudTrail for the keys digests of the window may be
// signed with. A refusal is a gap: every digest is then reported unchecked
// for want of its key.
func (s *Source) publicKeys(ctx context.Context, u collect.Unit, sink collect.Sink) (digest.Keys, error) {
	api, err := s.Trails(u.Target)
	if err != nil {
		return nil, err
	}
	var keys digest.Keys
	in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(s.Since.Add(-24 * time.Hour)), EndTime: aws.Time(s.Until.Add(24 * time.Hour))}
	for {
		out, err := api.ListPublicKeys(ctx, in)
		if err != nil {
			return nil, s.refused(ctx, u, sink, "list public keys", err)
		}
		for _, k := range out.PublicKeyList {
			keys = append(keys, digest.PublicKey{Value: k.Value, Fingerprint: aws.ToString(k.Fingerprint),
				ValidityStartTime: aws.ToTime(k.ValidityStartTime), ValidityEndTime: aws.ToTime(k.ValidityEndTime)})
		}
		if aws.ToString(out.NextToken) == "" {
			return keys, nil
		}
		in.NextToken = out.NextToken
	}
}

// readDigest preserves a digest file and parses it. A digest that is not
// one is recorded as a gap and nil is returned.
func (s *Source) readDigest(ctx context.Context, api S3API, u collect.Unit, sink collect.Sink, bucket, key string) (*digest.Digest, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("trailfiles: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, MaxDigestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("trailfiles: get s3://%s/%s: %w", bucket, key, err)
	}
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	at := s.now()
	row := &schemas.Object{
		Bucket: bucket, Key: key, VersionID: aws.ToString(out.VersionId), IsLatest: true, Size: int64(len(body)),
		ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified).UTC(),
		Operation: "GetObject", RequestID: reqID, AcquiredAt: at,
	}
	id := "s3://" + bucket + "/" + key + "?versionId=" + row.VersionID
	if err := sink.Put(ctx, collect.Evidence{
		Kind: KindDigestFile, Unit: u, ObjectID: id, ObservedAt: at, Claimed: "signature=" + out.Metadata["signature"],
		Provenance: schemas.Provenance{Service: "s3", Operation: "GetObject", RequestID: reqID, Time: at},
		Row:        row, Body: bytes.NewReader(body),
	}); err != nil {
		return nil, err
	}
	content, err := gunzipAll(body)
	var d *digest.Digest
	if err == nil {
		d, err = digest.Parse(content, out.Metadata["signature"], out.Metadata["signature-algorithm"])
	}
	if err != nil {
		return nil, sink.Gap(ctx, collect.Gap{Unit: u, Cause: schemas.CauseUnparsable, Time: at,
			Message: fmt.Sprintf("trailfiles: digest %s (sha256 of the object in its blob): %v", id, err)})
	}
	d.Bucket, d.Key = bucket, key
	return d, nil
}

// gunzipAll decompresses a small gzip file, or returns plain content as is.
func gunzipAll(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, MaxDigestBytes))
}

// logFile reads one log file and records its validation.
func (s *Source) logFile(ctx context.Context, api S3API, u, part collect.Unit, sink collect.Sink, set *digest.Set, bucket string, o s3types.Object) error {
	key := aws.ToString(o.Key)
	row := &schemas.Object{
		Bucket: bucket, Key: key, IsLatest: true, Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag),
		StorageClass: string(o.StorageClass), LastModified: aws.ToTime(o.LastModified).UTC(), Operation: "GetObject",
	}
	get := func(ctx context.Context, version string) (*s3.GetObjectOutput, error) {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if version != "" {
			in.VersionId = aws.String(version) // a second read is of the same version
		}
		out, err := api.GetObject(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("trailfiles: get s3://%s/%s: %w", bucket, key, err)
		}
		return out, nil
	}
	out, err := get(ctx, "")
	if err != nil {
		var ae smithy.APIError
		if ctx.Err() == nil && errors.As(err, &ae) {
			return sink.Gap(ctx, collect.Gap{Unit: u, Cause: ae.ErrorCode(), Message: err.Error(), Time: s.now()})
		}
		return err
	}
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	row.VersionID, row.RequestID, row.AcquiredAt = aws.ToString(out.VersionId), reqID, s.now()
	if out.ETag != nil {
		row.ETag = aws.ToString(out.ETag)
	}
	first, version := true, row.VersionID
	f := File{Unit: part, Row: row, Now: s.now}
	f.Open = func(ctx context.Context) (io.ReadCloser, error) {
		if first {
			first = false
			return out.Body, nil
		}
		again, err := get(ctx, version)
		if err != nil {
			return nil, err
		}
		return again.Body, nil
	}
	f.ObjectID = "s3://" + bucket + "/" + key + "?versionId=" + row.VersionID
	f.Claimed = "etag=" + row.ETag
	f.Provenance = schemas.Provenance{Service: "s3", Operation: "GetObject", RequestID: reqID, Time: row.AcquiredAt}
	res, err := ReadFile(ctx, sink, f)
	if err != nil {
		return err
	}
	if res.Problem != nil {
		if err := sink.Gap(ctx, problemGap(u, res, s.now())); err != nil {
			return err
		}
	}
	if !res.Stored {
		return nil
	}
	r := set.LogFile(bucket, key, res.ContentSHA256)
	return s.putValidation(ctx, sink, part, r, "log", res)
}

// problemGap records what was wrong with a file that was read.
func problemGap(u collect.Unit, res *Read, at time.Time) collect.Gap {
	cause := schemas.CauseUnparsable
	if errors.Is(res.Problem, ErrTruncated) {
		cause = "truncated"
	}
	msg := res.Problem.Error()
	if res.BlobSHA256 != "" {
		msg += fmt.Sprintf(" (file sha256 %s, %d records kept, %d of them unparsed)", res.BlobSHA256, res.Records, res.Unparsed)
	}
	return collect.Gap{Unit: u, Cause: cause, Message: msg, Time: at}
}

func (s *Source) putValidation(ctx context.Context, sink collect.Sink, u collect.Unit, r digest.Result, what string, res *Read) error {
	at := s.now()
	return sink.Put(ctx, ValidationEvidence(u, r, what, res, at))
}

// ValidationEvidence is the resources row of a file's validation: status
// valid, invalid or no-digest, and the check that failed.
func ValidationEvidence(u collect.Unit, r digest.Result, what string, res *Read, at time.Time) collect.Evidence {
	norm := map[string]any{"file": what, "check": string(r.Check), "detail": r.Detail, "digest": r.Digest,
		"want_sha256": r.Want, "got_sha256": r.Got}
	if res != nil {
		norm["blob_sha256"], norm["records"], norm["unparsed"] = res.BlobSHA256, res.Records, res.Unparsed
	}
	nb, _ := json.Marshal(norm)
	id := r.Key
	if r.Bucket != "" {
		id = "s3://" + r.Bucket + "/" + r.Key
	}
	row := &schemas.Resource{Kind: KindValidation, ARN: id, ID: r.Key, Name: path.Base(r.Key), Status: r.Status(),
		Normalized: string(nb), Raw: string(nb), Operation: "validate", AcquiredAt: at}
	if res != nil && res.BlobSHA256 != "" {
		row.BlobSHA256, row.BlobSize = &res.BlobSHA256, &res.Size
	}
	return collect.Evidence{Kind: KindValidation, Unit: u, ObjectID: id, ObservedAt: at, Row: row,
		Provenance: schemas.Provenance{Service: "custody", Operation: "ValidateDigest", Time: at}}
}
