package awscfg

import (
	"context"
	"errors"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/custodyhq/custody/schemas"
)

// Recorder receives one Acquisition for every API call made, after its last
// attempt, whatever the outcome.
type Recorder func(ctx context.Context, u schemas.Unit, a schemas.Acquisition)

type unitKey struct{}

// WithUnit tags ctx with the unit on whose behalf calls are made, so that
// the acquisition record names it.
func WithUnit(ctx context.Context, u schemas.Unit) context.Context {
	return context.WithValue(ctx, unitKey{}, u)
}

// UnitFrom returns the unit WithUnit stored, if any.
func UnitFrom(ctx context.Context) (schemas.Unit, bool) {
	u, ok := ctx.Value(unitKey{}).(schemas.Unit)
	return u, ok
}

type recorderMiddleware struct {
	record Recorder
	target schemas.Target
	now    func() time.Time
}

func (recorderMiddleware) ID() string { return "custody.Recorder" }

func (m recorderMiddleware) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	start := m.now()
	out, md, err := next.HandleInitialize(ctx, in)
	u, ok := UnitFrom(ctx)
	if !ok {
		u = schemas.Unit{Source: "custody", ID: "setup", Target: m.target}
	}
	a := schemas.Acquisition{
		Time:      start.UTC(),
		Service:   awsmiddleware.GetServiceID(ctx),
		Operation: awsmiddleware.GetOperationName(ctx),
		Source:    u.Source,
		Unit:      u.ID,
		LatencyMS: m.now().Sub(start).Milliseconds(),
		Outcome:   Outcome(err),
		Attempts:  1,
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
		a.RequestID = id
	}
	if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 0 {
		a.Attempts = int32(len(r.Results))
	}
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		a.HTTPStatus = int32(resp.StatusCode)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		a.HTTPStatus = int32(re.HTTPStatusCode())
		if a.RequestID == "" {
			var rid interface{ ServiceRequestID() string }
			if errors.As(err, &rid) {
				a.RequestID = rid.ServiceRequestID()
			}
		}
	}
	m.record(ctx, u, a)
	return out, md, err
}

// Outcome is "ok", the AWS error code, or "error" for failures without one.
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "deadline"
	}
	return "error"
}

func addRecorder(record Recorder, t schemas.Target, now func() time.Time) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(recorderMiddleware{record: record, target: t, now: now}, middleware.After)
	}
}
