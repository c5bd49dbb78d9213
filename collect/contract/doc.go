// Package contract holds the contract test that runs custody's sources
// against moto, a third-party AWS emulator, and, where the lab serves the
// same services, compares the evidence the two give for the same state.
// It has no code of its own outside its tests.
package contract
