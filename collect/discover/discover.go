// Package discover finds, in a target's Amazon Bedrock and SageMaker
// estate, what leads to further evidence: the S3 locations knowledge
// bases, model customizations, imported models, SageMaker models and
// model packages and agent action groups read from, where SageMaker
// endpoints capture their requests and responses and asynchronous ones
// write their answers and failures, the IAM roles they run as, and the
// Lambda functions behind action groups.
// Sources call it from Units, so what they collect follows the estate
// rather than a list given in advance.
package discover

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
)

// Location is a place in S3 whose objects are evidence.
type Location struct {
	Owner  string // the bucket owner's account, when AWS names it
	Bucket string
	Prefix string // "" = the whole bucket
	LedBy  string // the ARN of what reads from it
}

// Role is an IAM role a resource runs as.
type Role struct {
	ARN   string
	LedBy string
}

// Function is a Lambda function an action group invokes.
type Function struct {
	ARN   string
	LedBy string // the action group
}

// Found is what one target's estate leads to.
type Found struct {
	Locations []Location
	Roles     []Role
	Functions []Function
}

// Estate discovers each target once per run, however many sources ask.
// Clients left nil are not asked: what they would lead to is not found.
type Estate struct {
	Agents  func(collect.Target) (AgentsAPI, error)
	Bedrock func(collect.Target) (BedrockAPI, error)
	Lambda  func(collect.Target) (LambdaAPI, error)
	// SageMaker leads to model artifacts, endpoints' data capture and
	// asynchronous output, and execution roles.
	SageMaker func(collect.Target) (SageMakerAPI, error)

	mu        sync.Mutex
	found     map[collect.Target]*result
	claimed   map[string]bool
	locations map[string][]string // claimed prefixes by scope and bucket
}

type result struct {
	done chan struct{}
	f    *Found
	err  error
}

// Find returns what t's estate leads to. When AWS refused part of the
// discovery, Find returns what the rest found together with the refusal,
// so that callers collect what they can and record the rest as a gap.
// Concurrent calls for one target share one discovery; a discovery that
// was cancelled is tried again by the next caller.
func (e *Estate) Find(ctx context.Context, t collect.Target) (*Found, error) {
	e.mu.Lock()
	if e.found == nil {
		e.found = map[collect.Target]*result{}
	}
	r, ok := e.found[t]
	if !ok {
		r = &result{done: make(chan struct{})}
		e.found[t] = r
	}
	e.mu.Unlock()
	if ok {
		select {
		case <-r.done:
			if r.err != nil && isCancel(r.err) && ctx.Err() == nil {
				return e.retry(ctx, t, r)
			}
			return r.f, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.f, r.err = e.walk(ctx, t)
	close(r.done)
	return r.f, r.err
}

// retry replaces a cancelled discovery with a new one.
func (e *Estate) retry(ctx context.Context, t collect.Target, old *result) (*Found, error) {
	e.mu.Lock()
	if e.found[t] == old {
		delete(e.found, t)
	}
	e.mu.Unlock()
	return e.Find(ctx, t)
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// walk discovers one target, step by step: a step AWS refuses does not
// keep the others from leading somewhere. What was found is returned with
// the refusals joined. A service not enabled in the target's region
// (OptInRequired) holds nothing there and leads nowhere; the sources of
// that service record the refusal.
func (e *Estate) walk(ctx context.Context, t collect.Target) (*Found, error) {
	f := &Found{}
	var errs []error
	step := func(err error) bool {
		if err != nil && !notEnabled(err) {
			errs = append(errs, err)
		}
		return ctx.Err() == nil
	}
	if e.Agents != nil {
		api, err := e.Agents(t)
		if err != nil {
			return nil, err
		}
		if !step(knowledgeBases(ctx, api, t, f)) || !step(agents(ctx, api, t, f)) {
			return nil, ctx.Err()
		}
	}
	if e.Bedrock != nil {
		api, err := e.Bedrock(t)
		if err != nil {
			return nil, err
		}
		for _, find := range []func(context.Context, BedrockAPI, collect.Target, *Found) error{jobs, customModels, importedModels, loggingRole} {
			if !step(find(ctx, api, t, f)) {
				return nil, ctx.Err()
			}
		}
	}
	if e.SageMaker != nil {
		api, err := e.SageMaker(t)
		if err != nil {
			return nil, err
		}
		for _, find := range []func(context.Context, SageMakerAPI, collect.Target, *Found) error{sageMakerModels, modelPackages, dataCaptures} {
			if !step(find(ctx, api, t, f)) {
				return nil, ctx.Err()
			}
		}
	}
	if e.Lambda != nil && len(f.Functions) > 0 {
		api, err := e.Lambda(t)
		if err != nil {
			return nil, err
		}
		if !step(functionRoles(ctx, api, f)) {
			return nil, ctx.Err()
		}
	}
	f.dedupe()
	return f, errors.Join(errs...)
}

// notEnabled reports whether AWS refused a call because the service is not
// enabled for the account in the region.
func notEnabled(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "OptInRequired"
}

// dedupe keeps the first of each location, role and function, in the
// order found.
func (f *Found) dedupe() {
	f.Locations = uniq(f.Locations, func(l Location) string { return l.Owner + "|" + l.Bucket + "|" + l.Prefix + "|" + l.LedBy })
	f.Roles = uniq(f.Roles, func(r Role) string { return r.ARN + "|" + r.LedBy })
	f.Functions = uniq(f.Functions, func(fn Function) string { return fn.ARN + "|" + fn.LedBy })
}

func uniq[T any](xs []T, key func(T) string) []T {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if k := key(x); !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// Claim reports whether key is claimed for the first time in this run, and
// claims it: sources that several targets lead to the same thing use it to
// collect that thing once.
func (e *Estate) Claim(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.claimed == nil {
		e.claimed = map[string]bool{}
	}
	if e.claimed[key] {
		return false
	}
	e.claimed[key] = true
	return true
}

// Known returns what the finished discoveries of an account's targets
// found, in no particular order.
func (e *Estate) Known(account string) []*Found {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Found
	for t, r := range e.found {
		if t.Account != account {
			continue
		}
		select {
		case <-r.done:
			if r.f != nil {
				out = append(out, r.f)
			}
		default:
		}
	}
	return out
}

// UnitID is the unit a source lists for a target whose discovery AWS
// refused in part: collecting it returns the refusal, so that the part
// not found is recorded as a gap while what was found is collected.
const UnitID = "discovery"

// Refusal returns the error of t's discovery, which a source returns when
// it collects its UnitID unit.
func (e *Estate) Refusal(ctx context.Context, t collect.Target) error {
	_, err := e.Find(ctx, t)
	if err != nil {
		return fmt.Errorf("discover %s/%s: %w", t.Account, t.Region, err)
	}
	return nil
}
