// Package invlogs collects Amazon Bedrock model-invocation logs: what went
// into the models and what came out, as Bedrock logged it.
package invlogs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
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

// Logs reads invocation logs from CloudWatch Logs over a window, one unit
// per log group of a target.
type Logs struct {
	Client       func(collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error)
	LogGroups    []LogGroup
	Since, Until time.Time
	Now          func() time.Time
}

var _ collect.Source = (*Logs)(nil)

func (*Logs) Name() string { return Source }

// The unit id carries the window, as a different window is different work.
func (l *Logs) unitID(group string) string {
	return fmt.Sprintf("logs/%s/%s/%s", l.Since.UTC().Format(time.RFC3339), l.Until.UTC().Format(time.RFC3339), group)
}

func (l *Logs) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	var units []collect.Unit
	seen := map[string]bool{}
	for _, g := range l.LogGroups {
		if (g.Account != "" && g.Account != t.Account) || (g.Region != "" && g.Region != t.Region) || seen[g.Name] {
			continue
		}
		seen[g.Name] = true
		units = append(units, collect.Unit{Source: Source, ID: l.unitID(g.Name), Target: t})
	}
	return units, nil
}

func (l *Logs) group(u collect.Unit) (string, bool) {
	for _, g := range l.LogGroups {
		if l.unitID(g.Name) == u.ID {
			return g.Name, true
		}
	}
	return "", false
}

func (l *Logs) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	group, ok := l.group(u)
	if !ok {
		return fmt.Errorf("invlogs: unknown unit %q", u.ID)
	}
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
