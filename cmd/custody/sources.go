package main

import (
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/agency"
	"github.com/custodyhq/custody/collect/bedrockagents"
	"github.com/custodyhq/custody/collect/bedrockconf"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/collect/sagemakerconf"
	"github.com/custodyhq/custody/collect/trail"
	"github.com/custodyhq/custody/collect/trailfiles"
)

// sourceNames are the evidence sources this build collects.
var sourceNames = []string{trail.SourceLookup, bedrockconf.Source, bedrockagents.Source, sagemakerconf.Source, agency.Source, invlogs.Source, kbobjects.Source}

// optionalSourceNames are sources this build collects when asked for by
// name. cloudtrail.files reads the same management events LookupEvents
// serves, so it is not on by default: both would be double rows.
// The S3 destination of invocation logs is read when asked for by name.
var optionalSourceNames = []string{trailfiles.Name, invlogs.SourceS3}

// buildSources wires the named sources to clients of the session.
func buildSources(sess *collect.Session, names []string, since, until time.Time, objects objectBounds) []collect.Source {
	// One discovery per target serves every source that follows the estate.
	estate := &discover.Estate{
		Agents:  func(t collect.Target) (discover.AgentsAPI, error) { return agentsClient(sess, t), nil },
		Bedrock: func(t collect.Target) (discover.BedrockAPI, error) { return bedrock.NewFromConfig(sess.Config(t)), nil },
		Lambda:  func(t collect.Target) (discover.LambdaAPI, error) { return lambda.NewFromConfig(sess.Config(t)), nil },
		SageMaker: func(t collect.Target) (discover.SageMakerAPI, error) {
			return sagemaker.NewFromConfig(sess.Config(t)), nil
		},
	}
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
		case trailfiles.Name:
			out = append(out, &trailfiles.Source{
				Since: since, Until: until,
				Trails: func(t collect.Target) (trailfiles.TrailAPI, error) {
					return cloudtrail.NewFromConfig(sess.Config(t)), nil
				},
				S3: func(t collect.Target) (trailfiles.S3API, error) { return kbobjects.NewClient(sess.Config(t)), nil },
			})
		case invlogs.SourceS3:
			out = append(out, &invlogs.S3Logs{
				Since: since, Until: until,
				Configured: func(t collect.Target) (invlogs.LoggingConfigAPI, error) {
					return bedrock.NewFromConfig(sess.Config(t)), nil
				},
				Client: func(t collect.Target) (invlogs.S3API, error) { return kbobjects.NewClient(sess.Config(t)), nil },
			})
		case bedrockconf.Source:
			out = append(out, &bedrockconf.Config{
				Client: func(t collect.Target) (bedrockconf.API, error) {
					return bedrock.NewFromConfig(sess.Config(t), func(o *bedrock.Options) {
						o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
					}), nil
				},
			})
		case bedrockagents.Source:
			out = append(out, &bedrockagents.Agents{
				Client: func(t collect.Target) (bedrockagents.API, error) { return agentsClient(sess, t), nil },
				Lambda: func(t collect.Target) (bedrockagents.LambdaAPI, error) {
					return lambda.NewFromConfig(sess.Config(t), func(o *lambda.Options) {
						o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
					}), nil
				},
				Estate: estate,
			})
		case sagemakerconf.Source:
			out = append(out, &sagemakerconf.Config{
				Client: func(t collect.Target) (sagemakerconf.API, error) {
					return sagemaker.NewFromConfig(sess.Config(t), func(o *sagemaker.Options) {
						o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
					}), nil
				},
			})
		case kbobjects.Source:
			// What knowledge bases, custom and imported models and action
			// groups read from S3, found per target.
			out = append(out, &kbobjects.Objects{
				Client:         func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(sess.Config(t)), nil },
				Estate:         estate,
				Objects:        objects.Mode,
				MaxObjectBytes: objects.MaxBytes,
				Preserved:      objects.Preserved,
				Salvaged:       objects.Salvaged,
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
				Search: true,
			})
		}
	}
	return out
}

// agentsClient is the Agents for Amazon Bedrock client of a target,
// keeping response bodies byte-exact.
func agentsClient(sess *collect.Session, t collect.Target) *bedrockagent.Client {
	return bedrockagent.NewFromConfig(sess.Config(t), func(o *bedrockagent.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}

// objectBounds bound the S3 content a collection preserves. What a bound
// skips is still a row, with the reason.
type objectBounds struct {
	Mode      kbobjects.Mode      // all-versions, latest or none
	MaxBytes  int64               // 0 = no limit
	Preserved kbobjects.Preserved // what a killed run already stored
	Salvaged  *atomic.Int64       // counts versions taken from Preserved
}
