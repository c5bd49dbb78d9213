package lab

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

func TestLogsInvocationRecords(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := cloudwatchlogs.NewFromConfig(cfg)
	var group *LogGroup
	for _, g := range s.Scenario().region(ProdAccount, "us-east-1").LogGroups {
		if g.LogGroupName == invocationLogGroup {
			group = g
		}
	}

	dg, err := cl.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "DescribeLogGroups", rec.body(), dg)
	if len(dg.LogGroups) != 2 {
		t.Fatalf("log groups = %d", len(dg.LogGroups))
	}
	ds, err := cl.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(invocationLogGroup)})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "DescribeLogStreams", rec.body(), ds)

	var n int
	var last int64
	p := cloudwatchlogs.NewFilterLogEventsPaginator(cl, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(invocationLogGroup), Limit: aws.Int32(50)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "FilterLogEvents", rec.body(), out)
		for _, e := range out.Events {
			ts := aws.ToInt64(e.Timestamp)
			if ts < last {
				t.Fatal("events out of order")
			}
			last = ts
			var rec invocationLog
			if err := json.Unmarshal([]byte(aws.ToString(e.Message)), &rec); err != nil || rec.SchemaType != "ModelInvocationLog" || rec.ModelID == "" {
				t.Fatalf("record %q: %v", aws.ToString(e.Message), err)
			}
			n++
		}
	}
	if n != len(group.Streams[0].Events) || n < 200 {
		t.Fatalf("%d records, want %d", n, len(group.Streams[0].Events))
	}

	f, err := cl.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(invocationLogGroup), FilterPattern: aws.String(`{ $.identity.arn = "arn:aws:iam::` + ProdAccount + `:user/` + ciUser + `" }`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Events) != 6 {
		t.Fatalf("the leaked key's logged invocations = %d, want 6", len(f.Events))
	}
	f, err = cl.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(invocationLogGroup), FilterPattern: aws.String(`"system prompt" Ignore`)})
	if err != nil || len(f.Events) != 1 {
		t.Fatalf("term filter = %d events, %v", len(f.Events), err)
	}

	ge, err := cl.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + notifyFunction), LogStreamName: ds.LogStreams[0].LogStreamName, StartFromHead: aws.Bool(true)})
	if err == nil {
		t.Fatal("stream of another group was found")
	}
	gs, err := cl.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/lambda/" + notifyFunction)})
	if err != nil || len(gs.LogStreams) != 1 {
		t.Fatalf("lambda streams = %+v, %v", gs, err)
	}
	ge, err = cl.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + notifyFunction), LogStreamName: gs.LogStreams[0].LogStreamName, StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetLogEvents", rec.body(), ge)
	if len(ge.Events) != 75 {
		t.Fatalf("lambda log events = %d", len(ge.Events))
	}
	again, err := cl.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + notifyFunction), LogStreamName: gs.LogStreams[0].LogStreamName, StartFromHead: aws.Bool(true), NextToken: ge.NextForwardToken})
	if err != nil || len(again.Events) != 0 || aws.ToString(again.NextForwardToken) != aws.ToString(ge.NextForwardToken) {
		t.Fatalf("end of stream: %d events, token %s vs %s, %v", len(again.Events), aws.ToString(again.NextForwardToken), aws.ToString(ge.NextForwardToken), err)
	}
}
