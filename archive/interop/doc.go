// Package interop holds tests that check custody bundles with third-party
// tools alone (sigstore-go), as an auditor without custody would. It has no
// code of its own.
package interop
