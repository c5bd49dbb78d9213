package drift

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Output formats of Write.
const (
	FormatText     = "text"
	FormatMarkdown = "md"
	FormatHTML     = "html"
	FormatJSON     = "json"
)

// Formats lists the formats Write accepts.
func Formats() []string { return []string{FormatText, FormatMarkdown, FormatHTML, FormatJSON} }

// Write renders the report in a format.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	case FormatText:
		return writeText(w, r)
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatHTML:
		return htmlReport.Execute(w, r)
	}
	return fmt.Errorf("drift: unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// Verdict is the report's one-line conclusion.
func (r *Report) Verdict() string {
	if !r.Drifted() {
		return "no drift: the bundle matches the baseline"
	}
	var parts []string
	for _, s := range []Severity{Critical, High, Medium, Low, Info} {
		if n := r.Summary.BySeverity[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return fmt.Sprintf("DRIFT: %d changes (%s)", len(r.Changes), strings.Join(parts, ", "))
}

// WrittenBySentence says who made a change, or "".
func (c Change) WrittenBySentence() string {
	if c.WrittenBy == nil {
		return ""
	}
	a := c.WrittenBy
	s := fmt.Sprintf("%s by %s at %s", a.EventName, a.Principal, a.EventTime.Format("2006-01-02T15:04:05Z"))
	if a.SourceIP != "" {
		s += " from " + a.SourceIP
	}
	return s + " (event " + a.EventID + ")"
}

// Digests says an object change's old and new content, or "".
func (c Change) Digests() string {
	var b, a string
	if c.Before != nil && c.Before.SHA256 != "" {
		b = "sha256:" + c.Before.SHA256 + " (version " + c.Before.Version + ")"
	}
	if c.After != nil && c.After.SHA256 != "" {
		a = "sha256:" + c.After.SHA256 + " (version " + c.After.Version + ")"
	}
	switch {
	case b != "" && a != "":
		return b + " → " + a
	case a != "":
		return "new " + a
	case b != "":
		return "was " + b
	}
	return ""
}

func writeText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	ew.printf("baseline %s (case %s, %s, manifest sha256:%s)\n", r.Baseline.Path, r.Baseline.Case, r.Baseline.Started.Format("2006-01-02T15:04:05Z"), r.Baseline.ManifestSHA256)
	ew.printf("bundle   %s (case %s, %s, manifest sha256:%s)\n", r.Bundle.Path, r.Bundle.Case, r.Bundle.Started.Format("2006-01-02T15:04:05Z"), r.Bundle.ManifestSHA256)
	for _, c := range r.Changes {
		ew.printf("%-8s %-14s %-28s %s\n", strings.ToUpper(c.Severity.String()), c.Element, c.Type, c.Summary)
		if d := c.Digests(); d != "" {
			ew.printf("         %s\n", d)
		}
		for _, d := range c.Details {
			ew.printf("         - %s\n", d)
		}
		if s := c.WrittenBySentence(); s != "" {
			ew.printf("         written: %s\n", s)
		}
	}
	for _, n := range r.NotCompared {
		ew.printf("not compared: %s\n", n)
	}
	ew.printf("%s\n", r.Verdict())
	return ew.err
}

func writeMarkdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	ew.printf("# Drift report\n\n")
	ew.printf("| | path | case | started | manifest sha256 |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range []struct {
		name string
		side Side
	}{{"baseline", r.Baseline}, {"bundle", r.Bundle}} {
		ew.printf("| %s | `%s` | %s | %s | `%s` |\n", s.name, s.side.Path, mdEscape(s.side.Case), s.side.Started.Format("2006-01-02T15:04:05Z"), s.side.ManifestSHA256)
	}
	ew.printf("\n**%s**\n\n", r.Verdict())
	if r.Drifted() {
		ew.printf("| severity | element | change | what |\n| --- | --- | --- | --- |\n")
		for _, c := range r.Changes {
			what := mdEscape(c.Summary)
			if d := c.Digests(); d != "" {
				what += "<br>" + mdEscape(d)
			}
			for _, d := range c.Details {
				what += "<br>• " + mdEscape(d)
			}
			if s := c.WrittenBySentence(); s != "" {
				what += "<br>written: " + mdEscape(s)
			}
			ew.printf("| %s | %s | `%s` | %s |\n", c.Severity, c.Element, c.Type, what)
		}
	}
	if len(r.NotCompared) > 0 {
		ew.printf("\n## Not compared\n\n")
		for _, n := range r.NotCompared {
			ew.printf("- %s\n", mdEscape(n))
		}
	}
	return ew.err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

var htmlReport = template.Must(template.New("drift").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>custody drift report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
.critical{background:#7b0000;color:#fff}.high{background:#c62828;color:#fff}.medium{background:#ef6c00;color:#fff}.low{background:#f9a825}.info{background:#607d8b;color:#fff}
code{font-size:.9em}ul{margin:.3em 0;padding-left:1.2em}
</style></head><body>
<h1>Drift report</h1>
<table><tr><th></th><th>path</th><th>case</th><th>started</th><th>manifest sha256</th></tr>
<tr><td>baseline</td><td><code>{{.Baseline.Path}}</code></td><td>{{.Baseline.Case}}</td><td>{{.Baseline.Started.Format "2006-01-02T15:04:05Z"}}</td><td><code>{{.Baseline.ManifestSHA256}}</code></td></tr>
<tr><td>bundle</td><td><code>{{.Bundle.Path}}</code></td><td>{{.Bundle.Case}}</td><td>{{.Bundle.Started.Format "2006-01-02T15:04:05Z"}}</td><td><code>{{.Bundle.ManifestSHA256}}</code></td></tr>
</table>
<p><strong>{{.Verdict}}</strong></p>
{{if .Changes}}<table><tr><th>severity</th><th>element</th><th>change</th><th>what</th></tr>
{{range .Changes}}<tr><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Element}}</td><td><code>{{.Type}}</code></td><td>{{.Summary}}
{{with .Digests}}<br><code>{{.}}</code>{{end}}
{{if .Details}}<ul>{{range .Details}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .WrittenBySentence}}written: {{.}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{if .NotCompared}}<h2>Not compared</h2><ul>{{range .NotCompared}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body></html>
`))
