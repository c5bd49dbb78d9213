package awscfg

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// readPrefixes are the operation-name prefixes that only read.
var readPrefixes = []string{"Get", "List", "Describe", "Lookup", "Filter", "Head", "BatchGet"}

// readExact are operations outside those prefixes that custody may call.
var readExact = map[string]bool{
	// sts AssumeRole changes nothing in the estate; it mints the temporary
	// credentials through which member accounts are read.
	"AssumeRole": true,
	// kms Sign uses a responder-owned key to sign a bundle; it reads and
	// changes no evidence. Only the signing client is built with it.
	"Sign": true,
}

// ErrNotReadOnly is returned, before anything is sent, for an operation that
// is not on the read-only allowlist.
var ErrNotReadOnly = errors.New("refused: operation is not read-only")

// AllowedOperation reports whether an AWS operation may be sent.
func AllowedOperation(op string) bool {
	if readExact[op] {
		return true
	}
	for _, p := range readPrefixes {
		if strings.HasPrefix(op, p) && len(op) > len(p) && isUpper(op[len(p)]) {
			return true
		}
	}
	return false
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

// readOnlyGuard refuses any non-read operation in the Initialize step,
// before serialization, signing or any byte on the wire.
type readOnlyGuard struct{}

func (readOnlyGuard) ID() string { return "custody.ReadOnlyGuard" }

func (readOnlyGuard) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	op := awsmiddleware.GetOperationName(ctx)
	if !AllowedOperation(op) {
		return middleware.InitializeOutput{}, middleware.Metadata{},
			fmt.Errorf("%s %s: %w", awsmiddleware.GetServiceID(ctx), op, ErrNotReadOnly)
	}
	return next.HandleInitialize(ctx, in)
}

// AddReadOnlyGuard installs the guard at the front of a client's stack.
func AddReadOnlyGuard(stack *middleware.Stack) error {
	return stack.Initialize.Add(readOnlyGuard{}, middleware.After)
}
