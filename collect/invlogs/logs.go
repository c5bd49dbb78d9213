// Package invlogs collects Amazon Bedrock model-invocation logs: what went
// into the models and what came out, as Bedrock logged it.
package invlogs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "bedrock.invocation-logs"

// ViaLogs is the Via of rows read from CloudWatch Logs.
const ViaLogs = "cloudwatch-logs"

// LogGroup is a CloudWatch Logs log group Bedrock delivers invocation logs
// to.
type LogGroup struct {
	Account string // "" = any account
	Region  string // "" = any region
	Name    string
}

// LoggingConfigAPI is the Bedrock call that says where a region's
// invocation logs go.
type LoggingConfigAPI interface {
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, opts ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
}

// Logs reads invocation logs from CloudWatch Logs over a window, one unit
// per log group of a target.
type Logs struct {
	Client    func(collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error)
	LogGroups []LogGroup
	// Configured, when set, adds one unit per target that reads the log
	// group Bedrock's logging configuration names, unless LogGroups already
	// lists it. A target whose logging is off, or goes to S3 only, has
	// nothing to read there; the bedrock.config source records that.
	Configured func(collect.Target) (LoggingConfigAPI, error)
	// Search, with Configured, also reads every log group that holds
	// Bedrock's invocation-log stream, so logs survive a deleted or changed
	// configuration.
	Search       bool
	Since, Until time.Time
	Now          func() time.Time
}

var _ collect.Source = (*Logs)(nil)

func (*Logs) Name() string { return Source }

// Unit ids carry the window, as a different window is different work.
func (l *Logs) window() string {
	return l.Since.UTC().Format(time.RFC3339) + "/" + l.Until.UTC().Format(time.RFC3339)
}

func (l *Logs) groupPrefix() string { return "logs/" + l.window() + "/" }

// configuredID names the unit of the configured log group. Log group names
// cannot hold '?', so it never collides with a named group's unit.
func (l *Logs) configuredID() string { return "logs/" + l.window() + "/?configured" }

// groups are the statically named log groups of a target.
func (l *Logs) groups(t collect.Target) []string {
	var names []string
	for _, g := range l.LogGroups {
		if (g.Account != "" && g.Account != t.Account) || (g.Region != "" && g.Region != t.Region) || slices.Contains(names, g.Name) {
			continue
		}
		names = append(names, g.Name)
	}
	return names
}

func (l *Logs) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	var units []collect.Unit
	for _, g := range l.groups(t) {
		units = append(units, collect.Unit{Source: Source, ID: l.groupPrefix() + g, Target: t})
	}
	if l.Configured != nil {
		units = append(units, collect.Unit{Source: Source, ID: l.configuredID(), Target: t})
	}
	return units, nil
}

func (l *Logs) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	if u.ID == l.configuredID() && l.Configured != nil {
		return l.configured(ctx, u, sink)
	}
	group, ok := strings.CutPrefix(u.ID, l.groupPrefix())
	if !ok || !slices.Contains(l.groups(u.Target), group) {
		return fmt.Errorf("invlogs: unknown unit %q", u.ID)
	}
	return l.read(ctx, u, group, sink)
}

// configured reads the log group Bedrock's logging configuration names.
func (l *Logs) configured(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	api, err := l.Configured(u.Target)
	if err != nil {
		return err
	}
	out, err := api.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return fmt.Errorf("invlogs: get invocation logging configuration %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	var done []string
	if out.LoggingConfig != nil && out.LoggingConfig.CloudWatchConfig != nil {
		group := aws.ToString(out.LoggingConfig.CloudWatchConfig.LogGroupName)
		if group != "" && !slices.Contains(l.groups(u.Target), group) {
			if err := l.read(ctx, u, group, sink); err != nil {
				return err
			}
			done = append(done, group)
		}
	}
	if !l.Search {
		return nil
	}
	return l.searched(ctx, u, sink, done)
}

// read keeps every event of a log group in the window.
func (l *Logs) read(ctx context.Context, u collect.Unit, group string, sink collect.Sink) error {
	c, err := l.Client(u.Target)
	if err != nil {
		return err
	}
	now := l.Now
	if now == nil {
		now = time.Now
	}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(group),
		StartTime:    aws.Int64(l.Since.UnixMilli()),
		EndTime:      aws.Int64(l.Until.UnixMilli()),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("invlogs: filter log events %s/%s %s: %w", u.Target.Account, u.Target.Region, group, err)
		}
		reqID, _ := awsmiddleware.GetRequestIDMetadata(page.ResultMetadata)
		at := now().UTC()
		for _, ev := range page.Events {
			row := ParseRecord(aws.ToString(ev.Message))
			row.Via = ViaLogs
			row.AcquiredAt = at
			row.AcqRequest = reqID
			err := sink.Put(ctx, collect.Evidence{
				Kind:       schemas.KindInvocation,
				Unit:       u,
				ObjectID:   group + "/" + aws.ToString(ev.LogStreamName) + "#" + aws.ToString(ev.EventId),
				ObservedAt: at,
				Provenance: schemas.Provenance{Service: "logs", Operation: "FilterLogEvents", RequestID: reqID, Time: at},
				Row:        row,
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
