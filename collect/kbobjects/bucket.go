package kbobjects

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// BucketConfig is the Normalized JSON of a bucket row: what says whether
// the bucket's evidence could have been deleted or overwritten
// (versioning, object lock), who could write it (policy, public access
// block) and how it is encrypted. A configuration the bucket does not have
// is null; one S3 refused to show is null and named in Unread.
type BucketConfig struct {
	Versioning        string             `json:"versioning"` // Enabled, Suspended, or "" if never enabled
	MFADelete         string             `json:"mfa_delete"`
	ObjectLock        *ObjectLock        `json:"object_lock"`
	Policy            *string            `json:"policy"` // the policy document as S3 returned it
	Encryption        []EncryptionRule   `json:"encryption"`
	PublicAccessBlock *PublicAccessBlock `json:"public_access_block"`
	Unread            []string           `json:"unread,omitempty"` // configurations refused: versioning, object_lock, …
}

// ObjectLock is a bucket's object lock configuration; Mode, Days and Years
// are its default retention, when it has one.
type ObjectLock struct {
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode,omitempty"` // GOVERNANCE, COMPLIANCE
	Days    int32  `json:"days,omitempty"`
	Years   int32  `json:"years,omitempty"`
}

// EncryptionRule is one rule of a bucket's default encryption.
type EncryptionRule struct {
	SSEAlgorithm     string `json:"sse_algorithm"`
	KMSMasterKeyID   string `json:"kms_master_key_id,omitempty"`
	BucketKeyEnabled bool   `json:"bucket_key_enabled"`
}

// PublicAccessBlock is a bucket's public access block.
type PublicAccessBlock struct {
	BlockPublicAcls       bool `json:"block_public_acls"`
	IgnorePublicAcls      bool `json:"ignore_public_acls"`
	BlockPublicPolicy     bool `json:"block_public_policy"`
	RestrictPublicBuckets bool `json:"restrict_public_buckets"`
}

// bucketAnswer is what one Get operation answered, kept in the row's Raw:
// the body as S3 sent it, or the error code that says the bucket has no
// such configuration.
type bucketAnswer struct {
	Body      string `json:"body,omitempty"`
	Error     string `json:"error,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// bucketRead is one configuration and how to read it: get fills the
// configuration and returns the call's metadata.
type bucketRead struct {
	name     string // as in Unread and in gap messages
	op       string
	notFound string // the error code of a bucket without it; "" = always has one
	get      func(context.Context, string, func(*s3.Options)) (middleware.Metadata, error)
}

// bucketReads lists the configurations recorded of each bucket, filling
// cfg.
func (c *collector) bucketReads(cfg *BucketConfig) []bucketRead {
	return []bucketRead{
		{"versioning", "GetBucketVersioning", "", func(ctx context.Context, b string, o func(*s3.Options)) (middleware.Metadata, error) {
			out, err := c.api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)}, o)
			if err != nil {
				return middleware.Metadata{}, err
			}
			cfg.Versioning, cfg.MFADelete = string(out.Status), string(out.MFADelete)
			return out.ResultMetadata, nil
		}},
		{"object_lock", "GetObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", func(ctx context.Context, b string, o func(*s3.Options)) (middleware.Metadata, error) {
			out, err := c.api.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(b)}, o)
			if err != nil {
				return middleware.Metadata{}, err
			}
			if l := out.ObjectLockConfiguration; l != nil {
				cfg.ObjectLock = &ObjectLock{Enabled: l.ObjectLockEnabled == "Enabled"}
				if l.Rule != nil && l.Rule.DefaultRetention != nil {
					r := l.Rule.DefaultRetention
					cfg.ObjectLock.Mode, cfg.ObjectLock.Days, cfg.ObjectLock.Years = string(r.Mode), aws.ToInt32(r.Days), aws.ToInt32(r.Years)
				}
			}
			return out.ResultMetadata, nil
		}},
		{"policy", "GetBucketPolicy", "NoSuchBucketPolicy", func(ctx context.Context, b string, o func(*s3.Options)) (middleware.Metadata, error) {
			out, err := c.api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b)}, o)
			if err != nil {
				return middleware.Metadata{}, err
			}
			cfg.Policy = out.Policy
			return out.ResultMetadata, nil
		}},
		{"encryption", "GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError", func(ctx context.Context, b string, o func(*s3.Options)) (middleware.Metadata, error) {
			out, err := c.api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)}, o)
			if err != nil {
				return middleware.Metadata{}, err
			}
			if e := out.ServerSideEncryptionConfiguration; e != nil {
				cfg.Encryption = []EncryptionRule{}
				for _, r := range e.Rules {
					rule := EncryptionRule{BucketKeyEnabled: aws.ToBool(r.BucketKeyEnabled)}
					if d := r.ApplyServerSideEncryptionByDefault; d != nil {
						rule.SSEAlgorithm, rule.KMSMasterKeyID = string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID)
					}
					cfg.Encryption = append(cfg.Encryption, rule)
				}
			}
			return out.ResultMetadata, nil
		}},
		{"public_access_block", "GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration", func(ctx context.Context, b string, o func(*s3.Options)) (middleware.Metadata, error) {
			out, err := c.api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)}, o)
			if err != nil {
				return middleware.Metadata{}, err
			}
			if p := out.PublicAccessBlockConfiguration; p != nil {
				cfg.PublicAccessBlock = &PublicAccessBlock{
					BlockPublicAcls: aws.ToBool(p.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(p.IgnorePublicAcls),
					BlockPublicPolicy: aws.ToBool(p.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(p.RestrictPublicBuckets),
				}
			}
			return out.ResultMetadata, nil
		}},
	}
}

// configuration records the bucket's protective configuration as one row. A
// configuration the bucket lacks is recorded as none; one S3 refuses is a
// gap naming it, and the rest is still recorded, and the objects still
// read. Only cancellation and the sink's failures are errors.
func (c *collector) configuration(ctx context.Context) error {
	var cfg BucketConfig
	answers := map[string]bucketAnswer{}
	var op, reqID string
	keep := func(o *s3.Options) { o.APIOptions = append(o.APIOptions, collect.CaptureRawBody()) }
	for _, r := range c.bucketReads(&cfg) {
		md, err := r.get(ctx, c.bucket, keep)
		var ae smithy.APIError
		switch {
		case err == nil:
			id, _ := awsmiddleware.GetRequestIDMetadata(md)
			raw, _ := collect.RawBody(md)
			answers[r.op] = bucketAnswer{Body: string(raw), RequestID: id}
			if op == "" {
				op, reqID = r.op, id
			}
		case ctx.Err() != nil || !errors.As(err, &ae):
			return fmt.Errorf("kbobjects: get %s of bucket %s: %w", r.name, c.bucket, err)
		case r.notFound != "" && ae.ErrorCode() == r.notFound:
			answers[r.op] = bucketAnswer{Error: ae.ErrorCode(), RequestID: requestID(err)}
			if op == "" {
				op, reqID = r.op, requestID(err)
			}
		default:
			cfg.Unread = append(cfg.Unread, r.name)
			if err := c.sink.Gap(ctx, collect.Gap{
				Unit: c.u, Cause: ae.ErrorCode(), Time: c.o.now(),
				Message: fmt.Sprintf("kbobjects: get %s of bucket %s: %v", r.name, c.bucket, err),
			}); err != nil {
				return err
			}
		}
	}
	if len(answers) == 0 {
		return nil // every configuration refused: the gaps say so
	}
	norm, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	status := cfg.Versioning
	if _, read := answers["GetBucketVersioning"]; !read {
		status = ""
	} else if status == "" {
		status = "Unversioned"
	}
	at := c.o.now()
	arn := "arn:aws:s3:::" + c.bucket
	row := &schemas.Resource{
		Kind: KindBucket, ARN: arn, ID: c.bucket, Name: c.bucket, Status: status,
		Normalized: string(norm), Raw: string(raw),
		Operation: op, RequestID: reqID, AcquiredAt: at,
	}
	return c.sink.Put(ctx, collect.Evidence{
		Kind: KindBucket, Unit: c.u, ObjectID: arn, ObservedAt: at,
		Provenance: schemas.Provenance{Service: "s3", Operation: op, RequestID: reqID, Time: at},
		Row:        row,
	})
}

// recordedBuckets says which buckets' configuration a run has recorded,
// per account: the locations of one bucket share one bucket row. It lives
// only as long as the run, so a resumed run records the bucket again with
// whichever of its locations' units it retries: one whose unit recorded it
// before and did not finish is among them.
type recordedBuckets struct {
	mu sync.Mutex
	m  map[string]*bucketTurn
}

// bucketTurn lets one unit at a time record a bucket's configuration,
// until one has.
type bucketTurn struct {
	turn chan struct{} // holds a token while a unit records
	done bool          // guarded by turn
}

// once runs record for bucket of account unless a unit of this run has
// already done so without error. Units of one bucket take turns, so one
// that comes while another records waits for it, and records the bucket
// itself when that one failed (ran out of time, or the sink refused).
func (r *recordedBuckets) once(ctx context.Context, account, bucket string, record func() error) error {
	r.mu.Lock()
	if r.m == nil {
		r.m = map[string]*bucketTurn{}
	}
	k := account + "/" + bucket
	b := r.m[k]
	if b == nil {
		b = &bucketTurn{turn: make(chan struct{}, 1)}
		r.m[k] = b
	}
	r.mu.Unlock()
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.turn }()
	if b.done {
		return nil
	}
	err := record()
	b.done = err == nil
	return err
}

// requestID is the request id S3 gave with an error, if any.
func requestID(err error) string {
	var re interface{ ServiceRequestID() string }
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}
