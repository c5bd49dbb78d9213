package report

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/custodyhq/custody/schemas"
)

func privateDataRules() []Rule {
	return []Rule{
		{
			ID: "private.guardrail-without-sensitive-filters", Title: "Guardrail without sensitive-information filters",
			Element: ElementPrivateData, Severity: Medium,
			Rationale: "A guardrail with no PII entities and no regexes lets personal data through in prompts and responses; the applications " +
				"using it rely on nothing else to keep it out.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-sensitive-filters.html"},
			Tables:     []string{schemas.TableResources},
			Query: tableSQL(schemas.TableResources, "account, region, id, version, name",
				"kind = 'aws.bedrock.guardrail' AND coalesce(json_array_length(normalized -> '$.sensitive_information_policy.PiiEntities'), 0) + "+
					"coalesce(json_array_length(normalized -> '$.sensitive_information_policy.Regexes'), 0) = 0"),
			New: func() Detector { return &noSensitive{latest: map[string]*Record{}} },
		},
		{
			ID: "private.logging-captures-prompts", Title: "Invocation logging captures prompts in clear",
			Element: ElementPrivateData, Severity: Low,
			Rationale: "With text data delivery on, every prompt and response, personal data included, is copied to the log destination. " +
				"Unless the log group has a data-protection policy (or the bucket is restricted and encrypted with a customer key), " +
				"whoever reads the logs reads the data.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",
				"https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/mask-sensitive-log-data.html"},
			Tables: []string{schemas.TableResources},
			Query: tableSQL(schemas.TableResources, "account, region, status, normalized",
				"kind = 'aws.bedrock.logging-config' AND status = 'present' AND json_extract(normalized, '$.logging_config.TextDataDeliveryEnabled')::BOOLEAN"),
			New: func() Detector { return &clearLogging{} },
		},
	}
}

type noSensitive struct {
	latest map[string]*Record // account/guardrail id -> newest version
}

func (d *noSensitive) Observe(_ *Context, r *Record) {
	if r.Resource == nil || r.Resource.Kind != schemas.KindGuardrail {
		return
	}
	k := guardKey(r.Partition.Account, r.Resource.ID)
	if p, ok := d.latest[k]; ok && !numberedAfter(r.Resource.Version, p.Resource.Version) {
		return
	}
	d.latest[k] = r
}

// numberedAfter orders versions for "the one applications use": the
// highest numbered version, DRAFT only when nothing is numbered.
func numberedAfter(a, b string) bool {
	if a == "DRAFT" {
		return false
	}
	if b == "DRAFT" {
		return true
	}
	return versionOrder(b, a)
}

func (d *noSensitive) Findings(*Context) []Finding {
	var out []Finding
	for _, k := range sortedKeys(d.latest) {
		r := d.latest[k]
		p, ok := parseGuard(r.Resource)
		if !ok || p.sensitiveFilters() > 0 {
			continue
		}
		var g group
		g.add(r, r.Resource.UpdatedAt, "")
		out = append(out, g.finding(Medium, fmt.Sprintf("Guardrail %s (%s, version %s) in account %s, %s, has no sensitive-information filter.",
			r.Resource.Name, r.Resource.ID, r.Resource.Version, r.Partition.Account, r.Partition.Region)))
	}
	return out
}

// loggingConfig is the normalized logging configuration snapshot.
type loggingConfig struct {
	LoggingConfig *struct {
		CloudWatchConfig *struct {
			LogGroupName string
		}
		S3Config *struct {
			BucketName string
		}
		TextDataDeliveryEnabled  *bool
		ImageDataDeliveryEnabled *bool
	} `json:"logging_config"`
}

type clearLogging struct{ gs groups }

func (d *clearLogging) Observe(_ *Context, r *Record) {
	if r.Resource == nil || r.Resource.Kind != schemas.KindLoggingConfig {
		return
	}
	var lc loggingConfig
	if json.Unmarshal([]byte(r.Resource.Normalized), &lc) != nil || lc.LoggingConfig == nil {
		return
	}
	c := lc.LoggingConfig
	if c.TextDataDeliveryEnabled == nil || !*c.TextDataDeliveryEnabled {
		return
	}
	dest := ""
	if c.CloudWatchConfig != nil && c.CloudWatchConfig.LogGroupName != "" {
		dest = "log group " + c.CloudWatchConfig.LogGroupName
	}
	if c.S3Config != nil && c.S3Config.BucketName != "" {
		if dest != "" {
			dest += " and "
		}
		dest += "bucket " + c.S3Config.BucketName
	}
	d.gs.get(dest).add(r, r.Resource.AcquiredAt, "")
}

func (d *clearLogging) Findings(*Context) []Finding {
	var out []Finding
	keys := d.gs.sorted()
	sort.Strings(keys)
	for _, dest := range keys {
		g := d.gs.m[dest]
		out = append(out, g.finding(Low, fmt.Sprintf("Invocation logging in %s (%s) delivers prompt and response text to %s; no data-protection "+
			"policy for the destination is in evidence.", list(g.accounts, 3), list(g.regions, 4), dest)))
	}
	return out
}
