package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// Bounds on what a page repeats from the journal, so that its size
// follows the scenario, not the run's length or rate.
const (
	maxEvents    = 1000
	maxNoteBytes = 16 << 10
)

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"since":  since,
	"secs":   func(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) },
	"upper":  strings.ToUpper,
	"marker": markerColor,
	"inc":    func(i int) int { return i + 1 },
}).Parse(pageSource))

// view is what the page template reads.
type view struct {
	*Report
	Generated   string
	Counts      map[string]int
	Charts      []chartView
	StepsChart  template.HTML
	Bars        []barView
	Events      []Event
	EventsLeft  int
	NoLoad      bool
	FailedLabel string
}

type chartView struct {
	Load     Load
	Requests template.HTML
	Latency  template.HTML
	Versions string
}

// barView places a step on the run's time line, in percent of its length.
type barView struct {
	Step
	Left, Width float64
	Notes       []string
}

// WriteHTML writes the report as one HTML page with everything inline.
func WriteHTML(w io.Writer, r *Report) error {
	v := view{Report: r, Generated: time.Now().UTC().Format("2006-01-02 15:04:05 UTC"), Counts: map[string]int{}}
	for _, s := range r.Steps {
		v.Counts[s.Status]++
		if s.Status == StatusFailed && v.FailedLabel == "" {
			v.FailedLabel = s.Label
		}
	}
	for _, ld := range r.Loads {
		v.Charts = append(v.Charts, chartView{Load: ld, Requests: template.HTML(requestsChart(r, ld, false)),
			Latency: template.HTML(latencyChart(r, ld)), Versions: strings.Join(ld.Series.Versions(), ", ")})
	}
	v.NoLoad = len(r.Loads) == 0
	v.StepsChart = template.HTML(stepsChart(r, false))
	span := max(r.Duration, time.Second)
	for _, s := range r.Steps {
		b := barView{Step: s, Notes: clipNotes(s.Notes)}
		if s.Status != StatusSkipped {
			b.Left = pct(s.At, span)
			b.Width = max(pct(s.Duration, span), 0.3)
			b.Width = min(b.Width, 100-b.Left)
		}
		v.Bars = append(v.Bars, b)
	}
	v.Events = r.Events
	if len(v.Events) > maxEvents {
		v.EventsLeft = len(v.Events) - maxEvents
		v.Events = v.Events[:maxEvents]
	}
	bw := bufio.NewWriter(w)
	if err := page.Execute(bw, v); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteSVG writes one chart as an SVG file: the first load's requests by
// version and errors, with the refresh phases and the numbered markers
// listed under it. A run without load gets its steps over time instead.
func WriteSVG(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if len(r.Loads) > 0 {
		b.WriteString(requestsChart(r, r.Loads[0], true))
	} else {
		b.WriteString(stepsChart(r, true))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(d, span time.Duration) float64 {
	return min(max(100*float64(d)/float64(span), 0), 100)
}

// clipNotes bounds what a step's notes take on the page.
func clipNotes(notes []string) []string {
	out := slices.Clone(notes)
	left := maxNoteBytes
	for i, n := range out {
		if len(n) > left {
			out[i] = strings.ToValidUTF8(n[:max(left, 0)], "") + " … (cut: the journal written by --json has it whole)"
			return out[:i+1]
		}
		left -= len(n)
	}
	return out
}
