package bedrockagents

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// codeAttempts bounds the downloads of one deployment package.
const codeAttempts = 5

// ErrCodeMismatch is the read error of a deployment package whose bytes do
// not match the CodeSha256 or CodeSize Lambda reports for it.
var ErrCodeMismatch = errors.New("deployment package does not match CodeSha256 and CodeSize")

// code streams a function's deployment package from the location
// GetFunction gave into the sink, checking it against CodeSha256 and
// CodeSize as it streams. A download that breaks off or does not match is
// tried again; the last failure is a gap.
func (a *Agents) code(ctx context.Context, u collect.Unit, sink collect.Sink, c *types.FunctionConfiguration, out *lambda.GetFunctionOutput) error {
	arn := aws.ToString(c.FunctionArn)
	var err error
	for attempt := 1; attempt <= codeAttempts; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 50 * time.Millisecond):
			}
		}
		err = a.fetch(ctx, u, sink, c, out)
		var fe *fetchError
		if err == nil || !errors.As(err, &fe) || ctx.Err() != nil {
			return err
		}
	}
	return sink.Gap(ctx, collect.Gap{Unit: u, Cause: schemas.CauseUnreachable, Time: a.now(),
		Message: fmt.Sprintf("bedrockagents: deployment package of %s: %v", arn, err)})
}

// fetchError is a failed download, as opposed to a failed sink.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

func (a *Agents) fetch(ctx context.Context, u collect.Unit, sink collect.Sink, c *types.FunctionConfiguration, out *lambda.GetFunctionOutput) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, aws.ToString(out.Code.Location), nil)
	if err != nil {
		return fmt.Errorf("bedrockagents: deployment package location: %w", err)
	}
	client := a.HTTP
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return &fetchError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &fetchError{fmt.Errorf("download answered %s", resp.Status)}
	}
	want, _ := base64.StdEncoding.DecodeString(aws.ToString(c.CodeSha256))
	body := &checked{r: resp.Body, h: sha256.New(), sum: want, size: c.CodeSize}
	arn := aws.ToString(c.FunctionArn)
	name := aws.ToString(c.FunctionName)
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	at := a.now()
	row := &schemas.Resource{
		Kind: schemas.KindLambdaCode, ARN: arn, ID: name, Version: aws.ToString(c.CodeSha256), Name: name,
		UpdatedAt:  lambdaTime(aws.ToString(c.LastModified)),
		Normalized: fmt.Sprintf(`{"code_sha256":%q,"code_size":%d,"repository_type":%q}`, aws.ToString(c.CodeSha256), c.CodeSize, aws.ToString(out.Code.RepositoryType)),
		Operation:  "GetFunction", RequestID: reqID, AcquiredAt: at,
	}
	err = sink.Put(ctx, collect.Evidence{
		Kind: schemas.KindLambdaCode, Unit: u, ObjectID: snapshot.ObjectID(row), ObservedAt: at,
		Provenance: schemas.Provenance{Service: "lambda", Operation: "GetFunction", RequestID: reqID, Time: at},
		Claimed:    "code_sha256=" + aws.ToString(c.CodeSha256),
		Row:        row,
		Body:       body,
	})
	if err != nil && body.err != nil {
		return &fetchError{body.err}
	}
	return err
}

// checked reads a download, hashing it, and fails at its end when it does
// not match what Lambda reported; it remembers the error it failed with.
type checked struct {
	r    io.Reader
	h    hash.Hash
	sum  []byte
	size int64
	n    int64
	err  error
}

func (c *checked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	switch {
	case err == io.EOF:
		if (c.size > 0 && c.n != c.size) || (len(c.sum) > 0 && !bytes.Equal(c.h.Sum(nil), c.sum)) {
			c.err = fmt.Errorf("%w: got %d bytes", ErrCodeMismatch, c.n)
			return n, c.err
		}
	case err != nil:
		c.err = err
	}
	return n, err
}
