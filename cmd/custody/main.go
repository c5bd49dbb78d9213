// Command custody acquires, seals and verifies evidence of incidents on
// generative-AI workloads in AWS.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(custody())
}

// custody runs the command line and returns the process exit status.
func custody() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
}
