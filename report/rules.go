package report

import (
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// Rules returns every rule, element by element. Each call returns new
// values: callers may filter or change them.
func Rules() []Rule {
	var out []Rule
	out = append(out, accessRules()...)
	out = append(out, infrastructureRules()...)
	out = append(out, aiRules()...)
	out = append(out, integrityRules()...)
	out = append(out, dataStoreRules()...)
	out = append(out, invocationRules()...)
	out = append(out, privateDataRules()...)
	out = append(out, agencyRules()...)
	return out
}

// lambdaChanges are the Lambda calls that change what a function runs or
// who may call it; CloudTrail names carry an API version suffix.
var lambdaChanges = []string{"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "AddPermission", "PublishLayerVersion", "CreateEventSourceMapping"}

func infrastructureRules() []Rule {
	return []Rule{
		{
			ID: "infrastructure.function-changed", Title: "Lambda function code, configuration or permissions changed",
			Element: ElementInfrastructure, Severity: Medium,
			Rationale:  "Agents act through their action groups' Lambda functions: new code, a new role or a new resource policy changes what the agent does.",
			References: []string{"https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'lambda.amazonaws.com' AND regexp_matches(event_name, '^(" + strings.Join(lambdaChanges, "|") + ")')"),
			New: eventRule(successful(func(_ *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
				if ev.EventSource != "lambda.amazonaws.com" {
					return 0, false
				}
				for _, n := range lambdaChanges {
					if strings.HasPrefix(ev.EventName, n) {
						return Medium, true
					}
				}
				return 0, false
			}), calls("changed Lambda functions")),
		},
	}
}
