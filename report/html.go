package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

var sevColor = map[Severity]string{Critical: "#7b0000", High: "#c62828", Medium: "#ef6c00", Low: "#f9a825", Info: "#607d8b"}

// anchor is the HTML id of a finding.
func anchor(id string) string {
	r := strings.NewReplacer("#", "-", ".", "-", "/", "-")
	return "f-" + r.Replace(id)
}

// timelineSVG draws the timeline: one lane per principal, one cell per
// bucket shaded by its share of the lane's busiest bucket, and a tick per
// finding, coloured by severity and linked to it.
func timelineSVG(tl Timeline) template.HTML {
	if len(tl.Series) == 0 {
		return template.HTML(`<p class="muted">No CloudTrail events: no timeline.</p>`)
	}
	n := len(tl.Series[0].Counts)
	const labelW, laneH, top, width = 300, 22, 34, 1100
	plotW := float64(width - labelW - 10)
	cellW := plotW / float64(max(n, 1))
	bucket := time.Duration(tl.Bucket)
	end := tl.Start.Add(time.Duration(n) * bucket)
	x := func(t time.Time) float64 {
		f := float64(t.Sub(tl.Start)) / float64(end.Sub(tl.Start))
		return float64(labelW) + math.Max(0, math.Min(1, f))*plotW
	}
	lanes := map[string]int{}
	for i, s := range tl.Series {
		lanes[s.Principal] = i
	}
	h := top + laneH*len(tl.Series) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="events per principal over time">`, width, h)
	fmt.Fprintf(&b, `<text x="%d" y="14" class="ax">findings</text>`, labelW-70)
	// Time axis: about eight labels.
	step := max(1, n/8)
	for i := 0; i <= n; i += step {
		t := tl.Start.Add(time.Duration(i) * bucket)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="grid"/>`, x(t), top-6, x(t), top+laneH*len(tl.Series))
		anchor := "middle"
		if i+step > n {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="ax" text-anchor="%s">%s</text>`, x(t), top+laneH*len(tl.Series)+16, anchor, t.UTC().Format("01-02 15:04"))
	}
	for i, s := range tl.Series {
		y := top + i*laneH
		label := laneLabel(s.Principal)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="lane" text-anchor="end"><title>%s (%d events)</title>%s</text>`,
			labelW-6, y+15, template.HTMLEscapeString(s.Principal), s.Total, template.HTMLEscapeString(label))
		var peak int64
		for _, c := range s.Counts {
			peak = max(peak, c)
		}
		for j, c := range s.Counts {
			if c == 0 {
				continue
			}
			op := 0.15 + 0.85*math.Log1p(float64(c))/math.Log1p(float64(peak))
			fmt.Fprintf(&b, `<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="#1565c0" fill-opacity="%.2f"><title>%s: %d events</title></rect>`,
				float64(labelW)+float64(j)*cellW, y+3, math.Max(cellW, 1), laneH-6, op,
				tl.Start.Add(time.Duration(j)*bucket).UTC().Format(timeFmt), c)
		}
	}
	for _, m := range tl.Marks {
		y1, y2 := 18, top+laneH*len(tl.Series)
		if i, ok := lanes[m.Principal]; ok {
			y1, y2 = top+i*laneH, top+(i+1)*laneH
			fmt.Fprintf(&b, `<a href="#%s"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="3"><title>%s (%s) %s</title></line></a>`,
				anchor(m.Finding), x(m.Time), y1, x(m.Time), y2, sevColor[m.Severity], template.HTMLEscapeString(m.Finding), m.Severity, fmtTime(m.Time))
		}
		fmt.Fprintf(&b, `<a href="#%s"><circle cx="%.1f" cy="%d" r="5" fill="%s"><title>%s (%s) %s</title></circle></a>`,
			anchor(m.Finding), x(m.Time), 20, sevColor[m.Severity], template.HTMLEscapeString(m.Finding), m.Severity, fmtTime(m.Time))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":     fmtTime,
	"range2":   timeRange,
	"join":     strings.Join,
	"anchor":   anchor,
	"color":    func(s Severity) string { return sevColor[s] },
	"status":   elementStatus,
	"svg":      timelineSVG,
	"sql":      func(p Pointer, dir string) string { return p.SQL(dir) },
	"sevs":     func() []Severity { return []Severity{Critical, High, Medium, Low, Info} },
	"bysev":    func(m map[string]int, s Severity) int { return m[s.String()] },
	"shortarn": shortARN,
	"dur":      durText,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>custody report: {{.Case}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;margin:0 auto;max-width:1180px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}h3{font-size:16px;margin:18px 0 6px}
.muted{color:#666}.meta{font-size:13px;color:#444}.meta code{font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f5f5f5}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;text-transform:uppercase}
.el{border:1px solid #ddd;border-left:6px solid #90a4ae;padding:8px 12px;margin:10px 0;break-inside:avoid}
.el.findings{border-left-color:#c62828}.el.answered{border-left-color:#2e7d32}.el.no-evidence{border-left-color:#9e9e9e;background:#fafafa}
.finding{border:1px solid #ddd;padding:8px 12px;margin:12px 0;break-inside:avoid}
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{border:1px solid #ddd;padding:8px 14px;min-width:90px}.card b{font-size:22px;display:block}
svg .ax{font-size:10px;fill:#555}svg .lane{font-size:11px;fill:#222}svg .grid{stroke:#e0e0e0}
details summary{cursor:pointer;color:#1565c0}
@media print{body{max-width:none;padding:0;font-size:11px}details{display:block}details>*{display:block}a{color:inherit;text-decoration:none}.finding,.el{page-break-inside:avoid}}
</style></head><body>
<h1>Triage report: {{.Case}}</h1>
{{if .Title}}<div>{{.Title}}</div>{{end}}
<div class="meta">Bundle <code>{{.Bundle}}</code>, manifest sha256 <code>{{.ManifestSHA256}}</code>, verified: <b>{{.Verified}}</b><br>
Window {{time .Window.Since}} – {{time .Window.Until}}; accounts {{join .Accounts ", "}}; regions {{join .Regions ", "}}; gaps {{.Gaps}}; generated {{time .Generated}}<br>
Rows: {{range $i, $t := .Tables}}{{if $i}}, {{end}}{{$t.Name}} {{$t.Rows}}{{end}}</div>

<h2 id="summary">Summary</h2>
<p><b>{{.Summary.Headline}}</b></p>
<div class="cards">{{$s := .Summary}}{{range sevs}}<div class="card"><b style="color:{{color .}}">{{bysev $s.BySeverity .}}</b>{{.}}</div>{{end}}</div>
{{if .Summary.Principals}}<p>Principals of high-severity findings: {{range $i, $p := .Summary.Principals}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}</p>{{end}}

<h2 id="elements">The seven elements</h2>
{{range .Elements}}<div class="el {{.Status}}"><h3>{{.Title}} <span class="muted">— {{status .}}</span></h3>
<div class="muted">{{range .Questions}}{{.}} {{end}}</div>
<p>{{.Answer}}</p>
<ul>{{range .Sources}}<li>{{.}}</li>{{end}}{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>
{{if .Findings}}<div>Findings: {{range $i, $f := .Findings}}{{if $i}}, {{end}}<a href="#{{anchor $f}}">{{$f}}</a>{{end}}</div>{{end}}
</div>{{end}}

<h2 id="timeline">Timeline</h2>
<p class="muted">CloudTrail events per principal, one cell per {{dur .Timeline.Bucket}} from {{time .Timeline.Start}}; darker is busier. Dots and ticks are findings, coloured by severity.</p>
{{svg .Timeline}}

<h2 id="findings">Findings</h2>
{{if not .Findings}}<p>No rule raised a finding.</p>{{end}}
{{$dir := .Bundle}}{{range .Findings}}<div class="finding" id="{{anchor .ID}}">
<h3><span class="sev" style="background:{{color .Severity}}">{{.Severity}}</span> {{.Title}} <span class="muted">{{.ID}}</span></h3>
<p>{{.Summary}}</p>
<table><tr><th>element</th><td>{{.Element}}</td><th>time</th><td>{{range2 .First .Last}}</td></tr>
<tr><th>principals</th><td colspan="3">{{range $i, $p := .Principals}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}</td></tr>
<tr><th>accounts</th><td>{{join .Accounts ", "}}</td><th>regions</th><td>{{join .Regions ", "}}</td></tr>
<tr><th>rows</th><td colspan="3">{{.Count}} (up to 25 shown)</td></tr></table>
{{if .Evidence}}<details open><summary>Evidence</summary>
<table><tr><th>table</th><th>partition</th><th>row</th><th>time</th></tr>
{{range .Evidence}}<tr><td>{{.Table}}</td><td><code>{{.Partition}}</code></td><td><code>{{.Column}} = {{.Value}}</code>{{if .Version}} version <code>{{.Version}}</code>{{end}}</td><td>{{time .Time}}</td></tr>{{end}}
</table><div>DuckDB: <code>{{sql (index .Evidence 0) $dir}}</code></div></details>{{end}}
</div>{{end}}

{{if .Limits}}<h2 id="limits">Limits</h2>
<p class="muted">What the report's bounds on memory left out:</p>
<ul>{{range .Limits}}<li>{{.}}</li>{{end}}</ul>
{{end}}<h2 id="rules">Rules</h2>
<table><tr><th>id</th><th>element</th><th>severity</th><th>title and rationale</th></tr>
{{range .Rules}}<tr><td><code>{{.ID}}</code></td><td>{{.Element}}</td><td>{{.Severity}}</td><td><b>{{.Title}}</b><br>{{.Rationale}}</td></tr>{{end}}
</table>
<p class="muted">custody report, media type {{.MediaType}}. This page loads nothing from the network.</p>
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML page: inline
// styles, an inline SVG timeline, no scripts and no network.
func WriteHTML(w io.Writer, rep *Report) error {
	return htmlTemplate.Execute(w, rep)
}

// durText writes a bucket size the short way: 2h, 30m, 24h.
func durText(d Duration) string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// laneLabel shortens a principal to fit a lane: the account, then as much
// of the end of the name as fits.
func laneLabel(p string) string {
	const room = 40
	l := shortARN(p)
	if len(l) <= room {
		return l
	}
	acct, rest, ok := strings.Cut(l, ":")
	if !ok || len(acct) > 12 {
		return "…" + l[len(l)-room+1:]
	}
	keep := room - len(acct) - 2
	return acct + ":…" + rest[len(rest)-keep:]
}
