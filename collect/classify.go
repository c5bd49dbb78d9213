package collect

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect/internal/awscfg"
	"github.com/custodyhq/custody/schemas"
)

// GapCause classifies the error that ended a unit. Anything AWS answered
// with an error code (AccessDenied, a disabled region, a resource gone,
// throttling past the retry budget) and transport failures that outlived
// every retry end the unit as a gap: the evidence was not reachable, and
// that fact is evidence. ok is false when err must stop the run instead: a
// sink, disk or signer failure, or a refused mutating call.
func GapCause(ctx context.Context, err error) (cause string, ok bool) {
	var ae smithy.APIError
	var se *SinkError
	switch {
	case errors.As(err, &se), errors.Is(err, awscfg.ErrNotReadOnly):
		return "", false
	case errors.As(err, &ae):
		return ae.ErrorCode(), true
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return schemas.CauseInterrupted, true
	case errors.Is(err, context.DeadlineExceeded):
		return schemas.CauseDeadline, true
	}
	return schemas.CauseUnreachable, true
}

// SinkError marks a failure of the sink: it stops the run.
type SinkError struct{ Err error }

func (e *SinkError) Error() string { return "sink: " + e.Err.Error() }
func (e *SinkError) Unwrap() error { return e.Err }

// guardedSink marks every error of the underlying sink as a SinkError, so
// that a source passing it up unchanged still stops the run.
type guardedSink struct{ Sink }

func (s guardedSink) Put(ctx context.Context, e Evidence) error {
	if err := s.Sink.Put(ctx, e); err != nil {
		return &SinkError{err}
	}
	return nil
}

func (s guardedSink) Gap(ctx context.Context, g Gap) error {
	if err := s.Sink.Gap(ctx, g); err != nil {
		return &SinkError{err}
	}
	return nil
}

// AllowedOperation reports whether custody may send an AWS operation: only
// reads (Get, List, Describe, Lookup, Filter, Head, BatchGet) and sts
// AssumeRole.
func AllowedOperation(op string) bool { return awscfg.AllowedOperation(op) }
