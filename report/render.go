package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Formats a report can be written in.
const (
	FormatHTML     = "html"
	FormatMarkdown = "md"
	FormatJSON     = "json"
	FormatOCSF     = "ocsf"
)

// Formats lists the formats Write accepts.
func Formats() []string { return []string{FormatHTML, FormatMarkdown, FormatJSON, FormatOCSF} }

// Write renders the report in a format.
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case FormatJSON:
		return WriteJSON(w, rep)
	case FormatMarkdown:
		return WriteMarkdown(w, rep)
	case FormatHTML:
		return WriteHTML(w, rep)
	case FormatOCSF:
		return WriteOCSF(w, rep)
	}
	return fmt.Errorf("report: unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// WriteJSON writes the report as indented JSON of media type MediaType.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteSummary writes the few lines a terminal shows after a run.
func WriteSummary(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "triage:   %s\n", rep.Summary.Headline)
	for _, a := range rep.Elements {
		fmt.Fprintf(&b, "  %-24s %s\n", a.Title, elementStatus(a))
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Severity < High || n == 8 {
			continue
		}
		n++
		fmt.Fprintf(&b, "  [%s] %s: %s\n", f.Severity, f.Element, f.Title)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func elementStatus(a Answer) string {
	switch a.Status {
	case StatusFindings:
		return fmt.Sprintf("%d findings", len(a.Findings))
	case StatusAnswered:
		return "evidence collected, nothing raised"
	}
	return "no evidence collected"
}

const timeFmt = "2006-01-02 15:04:05Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeFmt)
}

func timeRange(a, b time.Time) string {
	if a.Equal(b) {
		return fmtTime(a)
	}
	return fmtTime(a) + " – " + fmtTime(b)
}
