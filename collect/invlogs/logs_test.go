package invlogs

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

func TestParseRecord(t *testing.T) {
	type want struct {
		op, model, identity, prompt, response, guardrail, inType string
		in, out                                                  int64 // -1: absent
		time                                                     string
	}
	for _, tc := range []struct {
		name string
		msg  string
		want want
	}{
		{
			name: "converse",
			msg:  `{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-11-20T10:00:00.123Z","accountId":"111122223333","identity":{"arn":"arn:aws:iam::111122223333:user/alice"},"region":"us-east-1","requestId":"r1","operation":"Converse","modelId":"amazon.nova-lite-v1:0","input":{"inputContentType":"application/json","inputBodyJson":{"system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"Hi"},{"image":{"format":"png","source":{"bytes":"..."}}},{"text":"What is this?"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"lookup","input":{}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"a cat"}]}}]}]},"inputTokenCount":42},"output":{"outputContentType":"application/json","outputBodyJson":{"output":{"message":{"role":"assistant","content":[{"text":"A cat."}]}},"stopReason":"guardrail_intervened","usage":{"inputTokens":42,"outputTokens":3}},"outputTokenCount":3}}`,
			want: want{op: "Converse", model: "amazon.nova-lite-v1:0", identity: "arn:aws:iam::111122223333:user/alice",
				prompt: "system: Be brief.\nuser: Hi\nWhat is this?\nuser: a cat", response: "assistant: A cat.", guardrail: "INTERVENED",
				inType: "application/json", in: 42, out: 3, time: "2026-11-20T10:00:00.123Z"},
		},
		{
			name: "anthropic messages",
			msg:  `{"schemaType":"ModelInvocationLog","timestamp":"2026-11-20T10:00:01Z","identity":{"arn":"arn:aws:sts::111122223333:assumed-role/app/s"},"requestId":"r2","operation":"InvokeModel","modelId":"anthropic.claude-3-haiku-20240307-v1:0","input":{"inputContentType":"application/json","inputBodyJson":{"anthropic_version":"bedrock-2023-05-31","system":"Answer from the docs.","messages":[{"role":"user","content":"plain string"},{"role":"user","content":[{"type":"text","text":"block"},{"type":"tool_result","tool_use_id":"x","content":"tool said"}]}]},"inputTokenCount":7},"output":{"outputContentType":"application/json","outputBodyJson":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Done."}],"amazon-bedrock-guardrailAction":"NONE"},"outputTokenCount":2}}`,
			want: want{op: "InvokeModel", model: "anthropic.claude-3-haiku-20240307-v1:0", identity: "arn:aws:sts::111122223333:assumed-role/app/s",
				prompt: "system: Answer from the docs.\nuser: plain string\nuser: block\ntool said", response: "assistant: Done.", guardrail: "NONE",
				inType: "application/json", in: 7, out: 2, time: "2026-11-20T10:00:01Z"},
		},
		{
			name: "single prompt models",
			msg:  `{"schemaType":"ModelInvocationLog","timestamp":"2026-11-20T10:00:02Z","operation":"InvokeModel","modelId":"amazon.titan-text-express-v1","input":{"inputBodyJson":{"inputText":"Tell me a joke"}},"output":{"outputBodyJson":{"results":[{"outputText":"No."}]}}}`,
			want: want{op: "InvokeModel", model: "amazon.titan-text-express-v1", prompt: "Tell me a joke", response: "No.", in: -1, out: -1, time: "2026-11-20T10:00:02Z"},
		},
		{
			name: "fields of the wrong type are left empty",
			msg:  `{"schemaType":"ModelInvocationLog","timestamp":12,"identity":"arn","operation":["x"],"modelId":"m","input":{"inputTokenCount":"many","inputBodyJson":"a string"},"output":{"outputTokenCount":1.5}}`,
			want: want{model: "m", in: -1, out: -1},
		},
		{name: "not json", msg: `hello world`, want: want{in: -1, out: -1}},
		{name: "other json", msg: `{"schemaType":"Other","modelId":"m"}`, want: want{in: -1, out: -1}},
		{name: "trailing data", msg: `{"schemaType":"ModelInvocationLog","modelId":"m"} {}`, want: want{in: -1, out: -1}},
		{name: "empty", msg: ``, want: want{in: -1, out: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ParseRecord(tc.msg)
			if r.Raw != tc.msg {
				t.Errorf("raw = %q, want the message exactly", r.Raw)
			}
			tok := func(p *int64) int64 {
				if p == nil {
					return -1
				}
				return *p
			}
			ts := ""
			if !r.Time.IsZero() {
				ts = r.Time.Format(time.RFC3339Nano)
			}
			got := want{op: r.Operation, model: r.ModelID, identity: r.IdentityARN, prompt: aws.ToString(r.Prompt),
				response: aws.ToString(r.Response), guardrail: aws.ToString(r.Guardrail), inType: r.InputType,
				in: tok(r.InputTokens), out: tok(r.OutputTokens), time: ts}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// fakeLogs pages events two at a time, with an empty page in between as
// CloudWatch Logs may send.
type fakeLogs struct {
	events []types.FilteredLogEvent
	calls  []*cloudwatchlogs.FilterLogEventsInput
}

func (f *fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	cp := *in
	f.calls = append(f.calls, &cp)
	var i int
	if in.NextToken != nil {
		i = int(aws.ToString(in.NextToken)[0] - 'a')
	}
	out := &cloudwatchlogs.FilterLogEventsOutput{}
	if len(f.calls) == 2 {
		out.NextToken = in.NextToken // an empty page that says to go on
		return out, nil
	}
	end := min(i+2, len(f.events))
	out.Events = f.events[i:end]
	if end < len(f.events) {
		out.NextToken = aws.String(string(rune('a' + end)))
	}
	return out, nil
}

type memSink struct{ ev []collect.Evidence }

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	s.ev = append(s.ev, e)
	return nil
}
func (s *memSink) Gap(context.Context, collect.Gap) error { return nil }

func TestCollectPagesAndKeepsEveryMessage(t *testing.T) {
	msgs := []string{
		`{"schemaType":"ModelInvocationLog","requestId":"r1","modelId":"m"}`,
		`garbage`,
		`{"schemaType":"ModelInvocationLog","requestId":"r3","modelId":"m"}`,
		``,
		`{"schemaType":"ModelInvocationLog","requestId":"r5","modelId":"m"}`,
	}
	f := &fakeLogs{}
	for i, m := range msgs {
		f.events = append(f.events, types.FilteredLogEvent{EventId: aws.String(string(rune('0' + i))), LogStreamName: aws.String("s"), Message: aws.String(m), Timestamp: aws.Int64(int64(i))})
	}
	since, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	l := &Logs{
		Client:    func(collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error) { return f, nil },
		LogGroups: []LogGroup{{Name: "/aws/bedrock/x"}, {Name: "/other", Region: "eu-west-1"}, {Name: "/aws/bedrock/x"}},
		Since:     since, Until: until,
	}
	tg := collect.Target{Account: "111122223333", Region: "us-east-1"}
	units, err := l.Units(context.Background(), tg)
	if err != nil || len(units) != 1 || units[0].ID != "logs/2026-11-01T00:00:00Z/2026-11-02T00:00:00Z//aws/bedrock/x" {
		t.Fatalf("units = %v, %v", units, err)
	}
	sink := &memSink{}
	if err := l.Collect(context.Background(), units[0], sink); err != nil {
		t.Fatal(err)
	}
	var raws []string
	for _, e := range sink.ev {
		r := e.Row.(*schemas.Invocation)
		raws = append(raws, r.Raw)
		if e.Kind != schemas.KindInvocation || r.Via != ViaLogs || e.Provenance.Operation != "FilterLogEvents" {
			t.Errorf("record %+v", e)
		}
	}
	if !slices.Equal(raws, msgs) {
		t.Errorf("raw messages = %q, want every one in order %q", raws, msgs)
	}
	c := f.calls[0]
	if aws.ToString(c.LogGroupName) != "/aws/bedrock/x" || aws.ToInt64(c.StartTime) != since.UnixMilli() || aws.ToInt64(c.EndTime) != until.UnixMilli() {
		t.Errorf("first call %+v", c)
	}
	if sink.ev[1].ObjectID != "/aws/bedrock/x/s#1" {
		t.Errorf("object id %q", sink.ev[1].ObjectID)
	}
}

type fakeLoggingConfig struct {
	out *bedrock.GetModelInvocationLoggingConfigurationOutput
	err error
}

func (f fakeLoggingConfig) GetModelInvocationLoggingConfiguration(context.Context, *bedrock.GetModelInvocationLoggingConfigurationInput, ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error) {
	return f.out, f.err
}

func TestConfiguredLogGroup(t *testing.T) {
	toLogs := func(group string) fakeLoggingConfig {
		return fakeLoggingConfig{out: &bedrock.GetModelInvocationLoggingConfigurationOutput{LoggingConfig: &bedrocktypes.LoggingConfig{
			CloudWatchConfig: &bedrocktypes.CloudWatchConfig{LogGroupName: aws.String(group)},
		}}}
	}
	tg := collect.Target{Account: "111122223333", Region: "us-east-1"}
	for _, tc := range []struct {
		name   string
		config fakeLoggingConfig
		groups []string // FilterLogEvents calls' log groups
		err    string   // the error code, when the unit fails
	}{
		{"another group", toLogs("/custom/bedrock"), []string{"/named"}, ""},
		{"the named group", toLogs("/named"), []string{"/named"}, ""},
		{"logging off", fakeLoggingConfig{out: &bedrock.GetModelInvocationLoggingConfigurationOutput{}}, []string{"/named"}, ""},
		{"refused", fakeLoggingConfig{err: &smithy.GenericAPIError{Code: "AccessDeniedException"}}, []string{"/named"}, "AccessDeniedException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLogs{}
			l := &Logs{
				Client:     func(collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error) { return f, nil },
				Configured: func(collect.Target) (LoggingConfigAPI, error) { return tc.config, nil },
				LogGroups:  []LogGroup{{Name: "/named"}},
			}
			units, err := l.Units(context.Background(), tg)
			if err != nil || len(units) != 2 {
				t.Fatalf("units = %v, %v; want the named group and the configured one", units, err)
			}
			var failed error
			for _, u := range units {
				if err := l.Collect(context.Background(), u, &memSink{}); err != nil {
					failed = err
				}
			}
			var ae smithy.APIError
			if (failed != nil || tc.err != "") && (!errors.As(failed, &ae) || ae.ErrorCode() != tc.err) {
				t.Errorf("err = %v, want code %q", failed, tc.err)
			}
			var groups []string
			for _, c := range f.calls {
				if !slices.Contains(groups, aws.ToString(c.LogGroupName)) {
					groups = append(groups, aws.ToString(c.LogGroupName))
				}
			}
			want := tc.groups
			if tc.name == "another group" {
				want = append(want, "/custom/bedrock")
			}
			if !slices.Equal(groups, want) {
				t.Errorf("read log groups %q, want %q", groups, want)
			}
		})
	}
}
