// Package awscfg builds the aws.Config every evidence client uses: one per
// target, with cached and refreshed AssumeRole credentials, adaptive retry,
// per-API token buckets, the read-only guard, a record of every call made,
// and capture of the raw response body.
package awscfg
