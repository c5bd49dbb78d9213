package invlogs

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// SourceS3 is the name in bundles of the source that reads invocation
// logs Bedrock delivers to S3.
const SourceS3 = "bedrock.invocation-logs.s3"

// ViaS3 is the Via of rows read from log files in S3.
const ViaS3 = "s3"

// Kinds of the files this source keeps as blobs. Never rename one.
const (
	KindLogFile = "aws.bedrock.invocation-log-file" // a delivered log file, byte-exact
	KindPayload = "aws.bedrock.invocation-payload"  // a body too large to log inline, from its S3 location
)

// S3API is the part of the S3 client the S3 source uses.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Logs reads the invocation logs Bedrock's logging configuration sends to
// S3: the log files under
// <prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/
// over the window, each kept as a blob and read into invocation rows, and
// the bodies too large to log inline, fetched from the S3 locations the
// records name (inputBodyS3Path, outputBodyS3Path).
type S3Logs struct {
	Configured   func(collect.Target) (LoggingConfigAPI, error)
	Client       func(collect.Target) (S3API, error)
	Since, Until time.Time
	Now          func() time.Time
}

var _ collect.Source = (*S3Logs)(nil)

func (*S3Logs) Name() string { return SourceS3 }

func (l *S3Logs) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *S3Logs) prefix() string {
	return "s3/" + l.Since.UTC().Format(time.RFC3339) + "/" + l.Until.UTC().Format(time.RFC3339) + "/"
}

// Units is one unit per target whose logging configuration has an S3
// destination; a target that logs elsewhere or not at all has none.
func (l *S3Logs) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	api, err := l.Configured(t)
	if err != nil {
		return nil, err
	}
	out, err := api.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return nil, fmt.Errorf("invlogs: get invocation logging configuration %s/%s: %w", t.Account, t.Region, err)
	}
	if out.LoggingConfig == nil || out.LoggingConfig.S3Config == nil || aws.ToString(out.LoggingConfig.S3Config.BucketName) == "" {
		return nil, nil
	}
	c := out.LoggingConfig.S3Config
	return []collect.Unit{{Source: SourceS3, ID: l.prefix() + "s3://" + aws.ToString(c.BucketName) + "/" + aws.ToString(c.KeyPrefix), Target: t}}, nil
}

func (l *S3Logs) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	loc, ok := strings.CutPrefix(u.ID, l.prefix()+"s3://")
	if !ok {
		return fmt.Errorf("invlogs: unknown unit %q", u.ID)
	}
	bucket, keyPrefix, _ := strings.Cut(loc, "/")
	if keyPrefix != "" && !strings.HasSuffix(keyPrefix, "/") {
		keyPrefix += "/"
	}
	api, err := l.Client(u.Target)
	if err != nil {
		return err
	}
	base := keyPrefix + "AWSLogs/" + u.Target.Account + "/BedrockModelInvocationLogs/" + u.Target.Region + "/"
	for d := l.Since.UTC().Truncate(24 * time.Hour); !d.After(l.Until.UTC()); d = d.Add(24 * time.Hour) {
		p := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(base + d.Format("2006/01/02") + "/")})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("invlogs: list s3://%s/%s: %w", bucket, base, err)
			}
			for _, o := range page.Contents {
				if strings.Contains(aws.ToString(o.Key), "/data/") {
					continue // large bodies, read through the records that name them
				}
				if err := l.file(ctx, api, u, sink, bucket, o); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// file keeps one log file as a blob and, from the same bytes as they
// stream, writes a row per record; then fetches the large bodies the
// records name.
func (l *S3Logs) file(ctx context.Context, api S3API, u collect.Unit, sink collect.Sink, bucket string, o s3types.Object) error {
	key := aws.ToString(o.Key)
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return l.refused(ctx, u, sink, err)
	}
	defer out.Body.Close()
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	at := l.now()
	row := &schemas.Object{Bucket: bucket, Key: key, VersionID: aws.ToString(out.VersionId), IsLatest: true,
		Size: aws.ToInt64(o.Size), ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(o.LastModified).UTC(),
		Operation: "GetObject", RequestID: reqID, AcquiredAt: at}
	id := "s3://" + bucket + "/" + key + "?versionId=" + row.VersionID
	prov := schemas.Provenance{Service: "s3", Operation: "GetObject", RequestID: reqID, Time: at}

	pr, pw := io.Pipe()
	var payloads []string
	var perr error
	var wg sync.WaitGroup
	wg.Go(func() {
		payloads, perr = l.records(ctx, pr, u, sink, id, prov)
		_, _ = io.Copy(io.Discard, pr)
	})
	body := &errReader{r: out.Body}
	err = sink.Put(ctx, collect.Evidence{Kind: KindLogFile, Unit: u, ObjectID: id, ObservedAt: at, Provenance: prov,
		Claimed: "etag=" + row.ETag, Row: row, Body: io.TeeReader(body, pw)})
	pw.CloseWithError(err)
	wg.Wait()
	if err != nil {
		if body.err == nil || ctx.Err() != nil {
			return err
		}
		return sink.Gap(ctx, collect.Gap{Unit: u, Cause: schemas.CauseUnreachable, Time: l.now(),
			Message: fmt.Sprintf("invlogs: read %s: %v", id, body.err)})
	}
	var se sinkErr
	if errors.As(perr, &se) {
		return se.err
	}
	if perr != nil {
		if err := sink.Gap(ctx, collect.Gap{Unit: u, Cause: schemas.CauseUnparsable, Time: l.now(),
			Message: fmt.Sprintf("invlogs: %s: %v; the records before the fault are kept", id, perr)}); err != nil {
			return err
		}
	}
	for _, p := range payloads {
		if err := l.payload(ctx, api, u, sink, p); err != nil {
			return err
		}
	}
	return nil
}

type sinkErr struct{ err error }

func (e sinkErr) Error() string { return e.err.Error() }

// records writes a row per line of a log file, gzip or plain, and returns
// the S3 locations of the bodies the records did not hold inline.
func (l *S3Logs) records(ctx context.Context, r io.Reader, u collect.Unit, sink collect.Sink, fileID string, prov schemas.Provenance) ([]string, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var in io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		in = zr
	}
	lines := bufio.NewReaderSize(in, 256<<10)
	var payloads []string
	for index := 0; ; {
		line, err := lines.ReadString('\n')
		if msg := strings.TrimRight(line, "\r\n"); strings.TrimSpace(msg) != "" {
			if !utf8.ValidString(msg) {
				// Parquet strings must be UTF-8; the exact bytes stay in the
				// file's blob.
				msg = strings.ToValidUTF8(msg, "\uFFFD")
			}
			row := ParseRecord(msg)
			row.Via, row.AcquiredAt, row.AcqRequest = ViaS3, prov.Time, prov.RequestID
			for _, p := range bodyPaths(msg) {
				if !slices.Contains(payloads, p) {
					payloads = append(payloads, p)
				}
			}
			if perr := sink.Put(ctx, collect.Evidence{Kind: schemas.KindInvocation, Unit: u, ObservedAt: prov.Time, Provenance: prov,
				ObjectID: fileID + "#" + strconv.Itoa(index), Row: row}); perr != nil {
				return nil, sinkErr{perr}
			}
			index++
		}
		if err == io.EOF {
			return payloads, nil
		}
		if err != nil {
			return payloads, err
		}
	}
}

// bodyPaths are the S3 locations a record gives for bodies over the inline
// limit.
func bodyPaths(msg string) []string {
	if !strings.Contains(msg, "BodyS3Path") {
		return nil
	}
	var rec map[string]any
	if json.Unmarshal([]byte(msg), &rec) != nil {
		return nil
	}
	var out []string
	for _, p := range [][]string{{"input", "inputBodyS3Path"}, {"output", "outputBodyS3Path"}} {
		if s := str(rec, p...); strings.HasPrefix(s, "s3://") {
			out = append(out, s)
		}
	}
	return out
}

// payload keeps a large body as a blob, or records why it could not.
func (l *S3Logs) payload(ctx context.Context, api S3API, u collect.Unit, sink collect.Sink, uri string) error {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return l.refused(ctx, u, sink, fmt.Errorf("invlogs: large body %s: %w", uri, err))
	}
	defer out.Body.Close()
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	at := l.now()
	row := &schemas.Object{Bucket: bucket, Key: key, VersionID: aws.ToString(out.VersionId), IsLatest: true,
		Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified).UTC(),
		LedBy: uri, Operation: "GetObject", RequestID: reqID, AcquiredAt: at}
	body := &errReader{r: out.Body}
	err = sink.Put(ctx, collect.Evidence{Kind: KindPayload, Unit: u, ObjectID: "s3://" + bucket + "/" + key + "?versionId=" + row.VersionID,
		ObservedAt: at, Claimed: "etag=" + row.ETag, Row: row, Body: body,
		Provenance: schemas.Provenance{Service: "s3", Operation: "GetObject", RequestID: reqID, Time: at}})
	if err != nil && body.err != nil && ctx.Err() == nil {
		return sink.Gap(ctx, collect.Gap{Unit: u, Cause: schemas.CauseUnreachable, Time: l.now(),
			Message: fmt.Sprintf("invlogs: large body %s: %v", uri, body.err)})
	}
	return err
}

func (l *S3Logs) refused(ctx context.Context, u collect.Unit, sink collect.Sink, err error) error {
	var ae smithy.APIError
	if ctx.Err() != nil || !errors.As(err, &ae) {
		return err
	}
	return sink.Gap(ctx, collect.Gap{Unit: u, Cause: ae.ErrorCode(), Message: err.Error(), Time: l.now()})
}

// errReader remembers its reader's error, so a broken download is told
// from a failing sink.
type errReader struct {
	r   io.Reader
	err error
}

func (b *errReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
