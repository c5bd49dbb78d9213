package invlogs

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// SchemaType is the schemaType of Bedrock model-invocation log records.
const SchemaType = "ModelInvocationLog"

// ParseRecord reads one model-invocation log record. Raw is always the
// message exactly; a message that is not a record leaves every other field
// empty, so it is kept rather than dropped. Fields of the wrong type are
// left empty, the rest still read.
func ParseRecord(msg string) *schemas.Invocation {
	row := &schemas.Invocation{Raw: msg}
	dec := json.NewDecoder(strings.NewReader(msg))
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil || dec.More() || str(rec, "schemaType") != SchemaType {
		return row
	}
	if t, err := time.Parse(time.RFC3339Nano, str(rec, "timestamp")); err == nil {
		row.Time = t.UTC()
	}
	row.RequestID = str(rec, "requestId")
	row.Operation = str(rec, "operation")
	row.ModelID = str(rec, "modelId")
	row.IdentityARN = str(rec, "identity", "arn")
	row.InputType = str(rec, "input", "inputContentType")
	row.OutputType = str(rec, "output", "outputContentType")
	row.InputTokens = count(rec, "input", "inputTokenCount")
	row.OutputTokens = count(rec, "output", "outputTokenCount")
	in, out := get(rec, "input", "inputBodyJson"), get(rec, "output", "outputBodyJson")
	row.Prompt = nonEmpty(promptText(in))
	row.Response = nonEmpty(responseText(out))
	row.Guardrail = nonEmpty(guardrailAction(out))
	return row
}

// get walks nested objects; it returns nil where the path leaves them.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string {
	s, _ := get(v, path...).(string)
	return s
}

func count(v any, path ...string) *int64 {
	n, ok := get(v, path...).(json.Number)
	if !ok {
		return nil
	}
	i, err := n.Int64()
	if err != nil {
		return nil
	}
	return &i
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// promptText flattens a request body: the Converse shape (system blocks,
// messages of content blocks), the Anthropic Messages shape (system string
// or blocks, messages of string or typed blocks), and single-prompt bodies.
func promptText(body any) string {
	var b textBuilder
	switch sys := get(body, "system").(type) {
	case string:
		b.line("system", sys)
	case []any:
		b.line("system", blocksText(sys))
	}
	if msgs, ok := get(body, "messages").([]any); ok {
		for _, m := range msgs {
			b.line(str(m, "role"), contentText(get(m, "content")))
		}
	}
	for _, k := range []string{"prompt", "inputText"} {
		if s := str(body, k); s != "" {
			b.line("", s)
		}
	}
	return b.String()
}

// responseText flattens a response body: Converse (output.message),
// Anthropic Messages (role and content at the top), and the completion
// shapes of single-prompt models.
func responseText(body any) string {
	var b textBuilder
	if msg := get(body, "output", "message"); msg != nil {
		b.line(str(msg, "role"), contentText(get(msg, "content")))
	}
	if str(body, "type") == "message" || get(body, "role") != nil {
		b.line(str(body, "role"), contentText(get(body, "content")))
	}
	for _, k := range []string{"completion", "generation"} {
		if s := str(body, k); s != "" {
			b.line("", s)
		}
	}
	for _, k := range [][2]string{{"results", "outputText"}, {"outputs", "text"}} {
		if list, ok := get(body, k[0]).([]any); ok {
			for _, r := range list {
				b.line("", str(r, k[1]))
			}
		}
	}
	return b.String()
}

// contentText is the text of a message's content: a string, or blocks.
func contentText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case []any:
		return blocksText(c)
	}
	return ""
}

// blocksText joins the text of content blocks: {"text": …} (Converse),
// {"type": "text", "text": …} (Anthropic), and the text nested in tool
// results and guard content. Images, documents and tool calls carry no
// text and are left out; Raw keeps them.
func blocksText(blocks []any) string {
	var parts []string
	for _, bl := range blocks {
		switch {
		case str(bl, "text") != "":
			parts = append(parts, str(bl, "text"))
		case str(bl, "guardContent", "text", "text") != "":
			parts = append(parts, str(bl, "guardContent", "text", "text"))
		case get(bl, "toolResult", "content") != nil:
			parts = append(parts, contentText(get(bl, "toolResult", "content")))
		case str(bl, "type") == "tool_result":
			parts = append(parts, contentText(get(bl, "content")))
		}
	}
	return strings.Join(nonBlank(parts), "\n")
}

func nonBlank(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// guardrailAction is the guardrail's verdict as the response reports it.
func guardrailAction(body any) string {
	if s := str(body, "amazon-bedrock-guardrailAction"); s != "" {
		return s
	}
	if str(body, "stopReason") == "guardrail_intervened" {
		return "INTERVENED"
	}
	return ""
}

// textBuilder writes "role: text" lines, or the text alone without a role.
type textBuilder struct{ bytes.Buffer }

func (b *textBuilder) line(role, text string) {
	if text == "" {
		return
	}
	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	if role != "" {
		b.WriteString(role)
		b.WriteString(": ")
	}
	b.WriteString(text)
}
