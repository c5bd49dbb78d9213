package report

import (
	"fmt"
	"io"
	"strings"
)

// mdEscape keeps table cells on one line and pipes literal.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// WriteMarkdown writes the report as GitHub-flavoured Markdown.
func WriteMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Triage report: %s\n\n", mdEscape(rep.Case))
	if rep.Title != "" {
		p("%s\n\n", rep.Title)
	}
	p("- Bundle: `%s` (manifest sha256 `%s`, verified: %t)\n", rep.Bundle, rep.ManifestSHA256, rep.Verified)
	p("- Window: %s – %s\n", fmtTime(rep.Window.Since), fmtTime(rep.Window.Until))
	p("- Accounts: %s; regions: %s\n", strings.Join(rep.Accounts, ", "), strings.Join(rep.Regions, ", "))
	var rows []string
	for _, t := range rep.Tables {
		rows = append(rows, fmt.Sprintf("%s %d", t.Name, t.Rows))
	}
	p("- Rows: %s; gaps: %d\n- Generated: %s\n\n", strings.Join(rows, ", "), rep.Gaps, fmtTime(rep.Generated))

	p("## Summary\n\n%s\n\n", rep.Summary.Headline)
	p("| severity | findings |\n| --- | --- |\n")
	for s := Critical; s >= Info; s-- {
		if n := rep.Summary.BySeverity[s.String()]; n > 0 {
			p("| %s | %d |\n", s, n)
		}
	}
	p("\n## The seven elements\n\n")
	for _, a := range rep.Elements {
		p("### %s\n\n", a.Title)
		for _, q := range a.Questions {
			p("- *%s*\n", q)
		}
		p("\n**%s.** %s\n\n", elementStatus(a), a.Answer)
		for _, s := range a.Sources {
			p("- %s\n", s)
		}
		for _, r := range a.Reasons {
			p("- %s\n", r)
		}
		if len(a.Findings) > 0 {
			p("- Findings: %s\n", strings.Join(a.Findings, ", "))
		}
		p("\n")
	}
	p("## Findings\n\n")
	if len(rep.Findings) == 0 {
		p("No rule raised a finding.\n\n")
	}
	for _, f := range rep.Findings {
		p("### [%s] %s — %s\n\n", f.Severity, f.ID, mdEscape(f.Title))
		p("%s\n\n", f.Summary)
		p("| | |\n| --- | --- |\n")
		p("| element | %s |\n| time | %s |\n| principals | %s |\n| accounts | %s |\n| regions | %s |\n| rows | %d |\n\n",
			f.Element, timeRange(f.First, f.Last), mdEscape(strings.Join(f.Principals, ", ")), strings.Join(f.Accounts, ", "),
			strings.Join(f.Regions, ", "), f.Count)
		if len(f.Evidence) > 0 {
			p("Evidence:\n\n| table | partition | row | time |\n| --- | --- | --- | --- |\n")
			for _, e := range f.Evidence {
				row := e.Column + " = " + e.Value
				if e.Version != "" {
					row += " (version " + e.Version + ")"
				}
				p("| %s | %s | `%s` | %s |\n", e.Table, e.Partition, mdEscape(row), fmtTime(e.Time))
			}
			p("\n```sql\n%s\n```\n\n", f.Evidence[0].SQL(rep.Bundle))
		}
	}
	if len(rep.Limits) > 0 {
		p("## Limits\n\nWhat the report's bounds on memory left out:\n\n")
		for _, l := range rep.Limits {
			p("- %s\n", mdEscape(l))
		}
		p("\n")
	}
	p("## Rules\n\n| id | element | severity | title |\n| --- | --- | --- | --- |\n")
	for _, r := range rep.Rules {
		p("| %s | %s | %s | %s |\n", r.ID, r.Element, r.Severity, mdEscape(r.Title))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
