package main

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/agency"
	"github.com/custodyhq/custody/collect/bedrockconf"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/collect/trail"
)

// sourceNames are the evidence sources this build collects.
var sourceNames = []string{trail.SourceLookup, bedrockconf.Source, agency.Source, invlogs.Source}

// buildSources wires the named sources to clients of the session.
func buildSources(sess *collect.Session, names []string, since, until time.Time) []collect.Source {
	var out []collect.Source
	for _, n := range names {
		switch n {
		case trail.SourceLookup:
			out = append(out, &trail.Lookup{
				Since: since, Until: until,
				Client: func(t collect.Target) (cloudtrail.LookupEventsAPIClient, error) {
					return cloudtrail.NewFromConfig(sess.Config(t)), nil
				},
			})
		case bedrockconf.Source:
			out = append(out, &bedrockconf.Config{
				Client: func(t collect.Target) (bedrockconf.API, error) {
					return bedrock.NewFromConfig(sess.Config(t), func(o *bedrock.Options) {
						o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
					}), nil
				},
			})
		case agency.Source:
			// Every role of each account, read once per account.
			out = append(out, &agency.Roles{
				Client: func(t collect.Target) (agency.API, error) { return agency.NewClient(sess.Config(t)), nil },
			})
		case invlogs.Source:
			// The log group Bedrock's logging configuration names, per target.
			out = append(out, &invlogs.Logs{
				Since: since, Until: until,
				Client: func(t collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error) {
					return cloudwatchlogs.NewFromConfig(sess.Config(t)), nil
				},
				Configured: func(t collect.Target) (invlogs.LoggingConfigAPI, error) {
					return bedrock.NewFromConfig(sess.Config(t)), nil
				},
			})
		}
	}
	return out
}
