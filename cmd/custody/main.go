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

// custody runs the command line and returns the process exit status.
func custody() int {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
}
