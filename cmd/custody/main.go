// Command custody acquires, seals and verifies evidence of incidents on
// generative-AI workloads in AWS.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	os.Exit(custody())
}

// memoryLimit is the soft heap limit custody runs under unless GOMEMLIMIT
// says otherwise: collection and verification stream, and the collector
// must not crowd out the responder's machine however large the estate.
const memoryLimit = 512 << 20

// streamMemoryLimit is the soft heap limit of `custody collect` and
// `custody ingest`: their live heap is the rows, row groups and bodies in
// flight, about 100 MiB however many accounts or files (BENCHMARKS.md),
// and the garbage collector would otherwise let the heap grow to twice
// that between collections.
const streamMemoryLimit = 160 << 20

// limitMemory sets the soft heap limit unless GOMEMLIMIT chose one, and
// returns a function that restores the previous limit.
func limitMemory(limit int64) (restore func()) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

// custody runs the command line and returns the process exit status.
func custody() int {
	limitMemory(memoryLimit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
}
