package drift

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// deliveries are the kinds of data invocation logging can deliver.
var deliveries = []struct{ field, name string }{
	{"TextDataDeliveryEnabled", "text"},
	{"ImageDataDeliveryEnabled", "image"},
	{"EmbeddingDataDeliveryEnabled", "embedding"},
	{"VideoDataDeliveryEnabled", "video"},
	{"AudioDataDeliveryEnabled", "audio"},
}

// loggingDestinations are the fields that say where logs go.
var loggingDestinations = []string{
	"CloudWatchConfig.LogGroupName", "CloudWatchConfig.RoleArn",
	"CloudWatchConfig.LargeDataDeliveryS3Config.BucketName", "CloudWatchConfig.LargeDataDeliveryS3Config.KeyPrefix",
	"S3Config.BucketName", "S3Config.KeyPrefix",
}

// logging compares a model-invocation logging configuration: switched
// off, switched on, narrowed (a kind of data no longer delivered), or
// sent somewhere else.
func (d *differ) logging(rule kindRule, b, a *resource, ds []fieldDiff) {
	bc, _ := b.fields()["logging_config"].(map[string]any)
	ac, _ := a.fields()["logging_config"].(map[string]any)
	switch {
	case bc != nil && ac == nil:
		c := d.resourceChange(rule, LoggingDisabled, Critical, b, a, "deleted: model invocations are no longer logged")
		c.Details = []string{"was delivering " + deliveredData(bc) + " to " + loggingTargets(bc)}
		d.add(c)
		return
	case bc == nil && ac != nil:
		c := d.resourceChange(rule, LoggingEnabled, Info, b, a, "switched on")
		c.Details = []string{"delivers " + deliveredData(ac) + " to " + loggingTargets(ac)}
		d.add(c)
		return
	case bc == nil && ac == nil:
		return
	}
	var off, on []string
	for _, dl := range deliveries {
		was, is := getBool(bc, dl.field), getBool(ac, dl.field)
		switch {
		case was && !is:
			off = append(off, dl.name)
		case !was && is:
			on = append(on, dl.name)
		}
	}
	if len(off) > 0 {
		c := d.resourceChange(rule, LoggingNarrowed, High, b, a, "narrowed: "+strings.Join(off, ", ")+" delivery turned off")
		for _, n := range off {
			c.Details = append(c.Details, n+" data delivery: on → off")
		}
		d.add(c)
	}
	var moved []fieldDiff
	for _, p := range loggingDestinations {
		if x, y := get(bc, p), get(ac, p); !equalJSON(x, y) {
			moved = append(moved, fieldDiff{Path: p, Before: x, After: y})
		}
	}
	if len(moved) > 0 {
		c := d.resourceChange(rule, LoggingDestinationChanged, High, b, a, "now delivers to "+loggingTargets(ac)+" (was "+loggingTargets(bc)+")")
		c.Details = describe(moved)
		d.add(c)
	}
	rest := without(diffFields("", bc, ac), loggingDestinations...)
	for _, dl := range deliveries {
		rest = without(rest, dl.field)
	}
	if len(rest) > 0 || len(on) > 0 {
		c := d.resourceChange(rule, LoggingChanged, Low, b, a, "changed")
		for _, n := range on {
			c.Details = append(c.Details, n+" data delivery: off → on")
		}
		c.Details = append(c.Details, describe(rest)...)
		d.add(c)
	}
}

func deliveredData(c map[string]any) string {
	var on []string
	for _, dl := range deliveries {
		if getBool(c, dl.field) {
			on = append(on, dl.name)
		}
	}
	if len(on) == 0 {
		return "no data"
	}
	return strings.Join(on, ", ") + " data"
}

func loggingTargets(c map[string]any) string {
	var out []string
	if g := getString(c, "CloudWatchConfig.LogGroupName"); g != "" {
		out = append(out, "CloudWatch Logs group "+g)
	}
	if bk := getString(c, "S3Config.BucketName"); bk != "" {
		out = append(out, "s3://"+bk+"/"+getString(c, "S3Config.KeyPrefix"))
	}
	if len(out) == 0 {
		return "no destination"
	}
	return strings.Join(out, " and ")
}

// modelArtifacts are the fields of a custom or imported model that say
// where its weights and training data are.
var modelArtifacts = []string{"source_s3_uri", "output_data", "training_data", "validation_data", "base_model_arn", "job_arn"}

// model compares a custom or imported model: a change of where its
// weights or data come from is a changed artifact.
func (d *differ) model(rule kindRule, b, a *resource, ds []fieldDiff) {
	if hasPath(ds, modelArtifacts...) {
		c := d.resourceChange(rule, ModelArtifactChanged, High, b, a, "has a different artifact")
		c.Details = describe(ds)
		d.add(c)
		return
	}
	c := d.resourceChange(rule, rule.changed, rule.changedSev, b, a, "changed")
	c.Details = describe(ds)
	d.add(c)
}

// lambda compares a function: its code hash, its role, and the rest.
func (d *differ) lambda(rule kindRule, b, a *resource, ds []fieldDiff) {
	if hasPath(ds, "code_sha256") {
		c := d.resourceChange(rule, LambdaCodeChanged, High, b, a,
			fmt.Sprintf("runs different code: sha256 %s → %s", getString(b.fields(), "code_sha256"), getString(a.fields(), "code_sha256")))
		c.Details = describe(ds)
		d.add(c)
		return
	}
	if hasPath(ds, "resource_policy") {
		c := d.resourceChange(rule, LambdaPolicyChanged, High, b, a, "resource policy changed")
		c.Element = schemas.ElementAccess
		c.Details = describe(ds)
		d.add(c)
		ds = without(ds, "resource_policy")
		if len(ds) == 0 {
			return
		}
	}
	sev := rule.changedSev
	if hasPath(ds, "role_arn", "layers") {
		sev = High
	}
	c := d.resourceChange(rule, LambdaChanged, sev, b, a, "configuration changed")
	c.Details = describe(ds)
	d.add(c)
}

// publicAccessBlocks are the four blocks of a bucket's public access block.
var publicAccessBlocks = []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"}

// bucket compares a bucket's protective configuration. What lets its
// evidence be overwritten, deleted or made public without a trace is
// high: versioning suspended, object lock removed, a public access block
// lifted. A configuration either bundle could not read is not compared.
func (d *differ) bucket(rule kindRule, b, a *resource, ds []fieldDiff) {
	unread := append(stringsOf(b.fields()["unread"]), stringsOf(a.fields()["unread"])...)
	ds = without(ds, append(unread, "unread")...)
	if len(ds) == 0 {
		return
	}
	read := func(name string) bool { return !slices.Contains(unread, name) }
	bf, af := b.fields(), a.fields()
	var lost []string
	if read("versioning") && getString(bf, "versioning") == "Enabled" && getString(af, "versioning") != "Enabled" {
		lost = append(lost, "versioning no longer enabled")
	}
	if read("object_lock") && getBool(bf, "object_lock.enabled") && !getBool(af, "object_lock.enabled") {
		lost = append(lost, "object lock removed")
	}
	if read("public_access_block") {
		for _, k := range publicAccessBlocks {
			if getBool(bf, "public_access_block."+k) && !getBool(af, "public_access_block."+k) {
				lost = append(lost, "public access block "+k+" lifted")
			}
		}
	}
	sev, summary := rule.changedSev, "changed"
	if len(lost) > 0 {
		sev, summary = High, "protection weakened: "+strings.Join(lost, ", ")
	}
	c := d.resourceChange(rule, BucketChanged, sev, b, a, summary)
	c.Details = describe(ds)
	d.add(c)
}
