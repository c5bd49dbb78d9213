// Package collect acquires evidence from AWS: it resolves targets (accounts
// x regions), fans units of work out over a bounded pool, keeps every call
// read-only and within AWS's quotas, and streams evidence and gaps into a
// Sink. Each evidence source is a sub-package.
package collect

import (
	"context"

	"github.com/custodyhq/custody/schemas"
)

// The record types are shared with the bundle writer through schemas.
type (
	Target   = schemas.Target
	Unit     = schemas.Unit
	Evidence = schemas.Evidence
	Gap      = schemas.Gap
)

// Source lists its units of work for a target and streams the evidence of a
// unit into a sink.
type Source interface {
	Name() string // persisted in bundles; never rename
	Units(ctx context.Context, t Target) ([]Unit, error)
	Collect(ctx context.Context, u Unit, sink Sink) error
}

// Sink receives evidence. It is safe for concurrent use.
type Sink interface {
	Put(ctx context.Context, e Evidence) error
	Gap(ctx context.Context, g Gap) error
}
