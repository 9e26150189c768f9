package report

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// Chart geometry, in SVG user units.
const (
	chartWidth   = 1100
	plotLeft     = 64
	plotRight    = 20
	plotTop      = 72
	markerRow    = 38 // the markers' numbers
	phaseRow     = 50 // the refreshes' strip, above the plot
	plotHeight   = 220
	stepsHeight  = 40
	axisHeight   = 34
	keyRowHeight = 18
)

var versionColors = []string{"#2563eb", "#16a34a", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#65a30d", "#4b5563"}

const (
	otherColor = "#9ca3af"
	errorColor = "#dc2626"
	p50Color   = "#2563eb"
	p99Color   = "#ea580c"
)

var markerColors = map[string]string{
	MarkRefresh: "#334155", MarkCheckpoint: "#0891b2", MarkRollback: "#dc2626",
	MarkFault: "#ea580c", MarkReplace: "#7c3aed", MarkFailure: "#b91c1c",
}

func markerColor(kind string) string {
	if c, ok := markerColors[kind]; ok {
		return c
	}
	return "#334155"
}

func versionColor(i int, name string) string {
	if name == OtherVersion {
		return otherColor
	}
	return versionColors[i%len(versionColors)]
}

// frame maps run time and values onto a plot.
type frame struct {
	span time.Duration
	left float64
	w    float64
	top  float64
	h    float64
}

func newFrame(span time.Duration, h float64) frame {
	return frame{span: max(span, time.Second), left: plotLeft, w: chartWidth - plotLeft - plotRight, top: plotTop, h: h}
}

func (f frame) x(at time.Duration) float64 {
	return f.left + f.w*min(max(float64(at)/float64(f.span), 0), 1)
}

func (f frame) bottom() float64 { return f.top + f.h }

func num(v float64) string { return fmt.Sprintf("%.1f", v) }

func esc(s string) string { return html.EscapeString(s) }

// svgOpen starts an svg element; standalone adds the XML namespace that a
// file of its own needs.
func svgOpen(b *strings.Builder, height int, label string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">`,
		chartWidth, height, chartWidth, height, esc(label))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`, chartWidth, height)
}

// requestsChart draws the requests per second of one load, stacked by the
// version that answered, errors on top, with phases and markers. withKey
// adds the numbered list of markers under the plot (for a chart on its
// own).
func requestsChart(r *Report, ld Load, withKey bool) string {
	var b strings.Builder
	f := newFrame(r.Duration, plotHeight)
	height := plotTop + plotHeight + axisHeight
	if withKey {
		height += keyHeight(len(r.Markers))
	}
	svgOpen(&b, height, "requests per second by version answering, and errors, for load "+ld.Name)
	pts, versions, secs := ld.Series.Points(), ld.Series.Versions(), ld.Series.Width().Seconds()
	peak := 0.0
	for _, p := range pts {
		peak = max(peak, float64(p.Requests)/secs)
	}
	top := niceCeil(peak)
	y := func(v float64) float64 { return f.bottom() - f.h*min(v/top, 1) }
	title(&b, fmt.Sprintf("load %s: requests per second by version answering", ld.Name))
	phases(&b, f, r.Phases)
	yGrid(&b, f, top, func(v float64) string { return trimFloat(v) + "/s" }, y)
	// Stacked areas, bottom up: each version, then the errors.
	cum := make([]float64, len(pts))
	var keys []keyItem
	for vi, name := range versions {
		col := versionColor(vi, name)
		area(&b, f, pts, ld.Series.Width(), cum, func(p Point) float64 { return float64(p.Versions[vi]) / secs }, y, col,
			fmt.Sprintf(`data-version="%s"`, esc(name)))
		keys = append(keys, keyItem{name, col})
	}
	area(&b, f, pts, ld.Series.Width(), cum, func(p Point) float64 { return float64(p.Errors) / secs }, y, errorColor, `data-series="errors"`)
	keys = append(keys, keyItem{"errors", errorColor})
	markers(&b, f, r.Markers)
	xAxis(&b, f)
	legend(&b, keys)
	if withKey {
		markerKey(&b, r.Markers, plotTop+plotHeight+axisHeight)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// stepsChart draws the run on one lane: each step a bar from its start to
// its end, coloured by its result, under the refresh phases and the
// markers. A run without load gets this chart alone.
func stepsChart(r *Report, withKey bool) string {
	var b strings.Builder
	f := newFrame(r.Duration, stepsHeight)
	height := plotTop + stepsHeight + axisHeight
	if withKey {
		height += keyHeight(len(r.Markers))
	}
	svgOpen(&b, height, "the steps of the run over time, with refreshes and faults marked")
	title(&b, "steps over time, with refreshes and faults")
	phases(&b, f, r.Phases)
	for i, st := range r.Steps {
		if st.Status == StatusSkipped {
			continue
		}
		col, ink := []string{"#15803d", "#86efac"}[i%2], []string{"#ffffff", "#052e16"}[i%2] // neighbours told apart
		if st.Status == StatusFailed {
			col, ink = errorColor, "#ffffff"
		}
		x0, x1 := f.x(st.At), f.x(st.At+st.Duration)
		y := f.top + f.h/2 - 11
		fmt.Fprintf(&b, `<g class="step" data-status="%s"><title>%s %s  %s: %s</title>`, esc(st.Status), esc(since(st.At)), esc(st.Label), esc(st.Status), esc(st.Title))
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="22" fill="%s"/>`, num(x0), num(y), num(max(x1-x0, 2)), col)
		if name := clipText(st.Title, x1-x0); st.Title != st.Source && name != "" && !strings.HasSuffix(name, "…") {
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" fill="%s">%s</text>`, num(x0+3), num(y+15), ink, esc(name))
		}
		b.WriteString(`</g>`)
	}
	markers(&b, f, r.Markers)
	xAxis(&b, f)
	legend(&b, []keyItem{{"passed", "#16a34a"}, {"failed", errorColor}})
	if withKey {
		markerKey(&b, r.Markers, plotTop+stepsHeight+axisHeight)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// latencyChart draws p50 and p99 per bucket on a log scale.
func latencyChart(r *Report, ld Load) string {
	var b strings.Builder
	f := newFrame(r.Duration, plotHeight)
	svgOpen(&b, plotTop+plotHeight+axisHeight, "latency percentiles p50 and p99 for load "+ld.Name)
	pts := ld.Series.Points()
	lo, hi := time.Millisecond, 10*time.Millisecond
	for _, p := range pts {
		if p.Requests > 0 {
			lo, hi = min(lo, p.P50), max(hi, p.P99)
		}
	}
	lo, hi = decadeFloor(lo), decadeCeil(hi)
	ly := func(d time.Duration) float64 {
		d = max(d, lo)
		return f.bottom() - f.h*math.Log10(float64(d)/float64(lo))/math.Log10(float64(hi)/float64(lo))
	}
	title(&b, fmt.Sprintf("load %s: latency per %s (p50, p99)", ld.Name, ld.Series.Width()))
	phases(&b, f, r.Phases)
	for d := lo; d <= hi; d *= 10 {
		yv := ly(d)
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#e5e7eb"/>`, num(f.left), num(f.left+f.w), num(yv), num(yv))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" fill="#6b7280">%s</text>`, num(f.left-6), num(yv+4), loadgen.FormatLatency(d))
	}
	for _, s := range []struct {
		name, col string
		get       func(Point) time.Duration
	}{{"p50", p50Color, func(p Point) time.Duration { return p.P50 }}, {"p99", p99Color, func(p Point) time.Duration { return p.P99 }}} {
		line(&b, f, pts, ld.Series.Width(), func(p Point) (float64, bool) { return ly(s.get(p)), p.Requests > 0 }, s.col,
			fmt.Sprintf(`data-series="%s"`, s.name))
	}
	markers(&b, f, r.Markers)
	xAxis(&b, f)
	legend(&b, []keyItem{{"p50", p50Color}, {"p99", p99Color}})
	b.WriteString(`</svg>`)
	return b.String()
}

func title(b *strings.Builder, s string) {
	fmt.Fprintf(b, `<text x="%d" y="18" font-size="14" font-weight="600" fill="#111827">%s</text>`, plotLeft, esc(s))
}

// area draws one stacked layer: from cum up by get, then adds to cum.
func area(b *strings.Builder, f frame, pts []Point, width time.Duration, cum []float64, get func(Point) float64,
	y func(float64) float64, col, attrs string) {
	if len(pts) == 0 {
		return
	}
	var top, base []string
	for i, p := range pts {
		x0, x1 := f.x(p.At), f.x(p.At+width)
		v := get(p)
		top = append(top, num(x0)+","+num(y(cum[i]+v)), num(x1)+","+num(y(cum[i]+v)))
		base = append(base, num(x0)+","+num(y(cum[i])), num(x1)+","+num(y(cum[i])))
		cum[i] += v
	}
	for i, j := 0, len(base)-1; i < j; i, j = i+1, j-1 {
		base[i], base[j] = base[j], base[i]
	}
	fmt.Fprintf(b, `<polygon %s points="%s %s" fill="%s" fill-opacity="0.85" stroke="%s" stroke-width="0.5"/>`,
		attrs, strings.Join(top, " "), strings.Join(base, " "), col, col)
}

// line draws a polyline through the buckets' middles, broken where a
// bucket has no value.
func line(b *strings.Builder, f frame, pts []Point, width time.Duration, get func(Point) (float64, bool), col, attrs string) {
	var segs []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			segs = append(segs, "M"+strings.Join(cur, " L"))
		}
		cur = nil
	}
	for _, p := range pts {
		v, ok := get(p)
		if !ok {
			flush()
			continue
		}
		cur = append(cur, num(f.x(p.At+width/2))+","+num(v))
	}
	flush()
	if len(segs) == 0 {
		return
	}
	fmt.Fprintf(b, `<path %s d="%s" fill="none" stroke="%s" stroke-width="1.8" stroke-linejoin="round"/>`,
		attrs, strings.Join(segs, " "), col)
}

// phases shades each refresh on the plot and labels it in a strip above:
// what changed and how it ended.
func phases(b *strings.Builder, f frame, ps []Phase) {
	for _, p := range ps {
		x0, x1 := f.x(p.From), f.x(p.To)
		shade, strip := "#dbeafe", "#2563eb"
		if failedOutcome(p.Outcome) {
			shade, strip = "#fee2e2", "#dc2626"
		}
		w := max(x1-x0, 2)
		fmt.Fprintf(b, `<g class="phase" data-outcome="%s" data-step="%s"><title>%s: %s</title>`,
			esc(p.Outcome), esc(p.Step), esc(p.name()), esc(p.Outcome))
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0.6"/>`,
			num(x0), num(f.top), num(w), num(f.h), shade)
		fmt.Fprintf(b, `<rect x="%s" y="%d" width="%s" height="18" rx="3" fill="%s"/>`, num(x0), phaseRow, num(w), strip)
		fmt.Fprintf(b, `<text x="%s" y="%d" font-size="11" fill="#fff" font-weight="600">%s</text></g>`,
			num(x0+4), phaseRow+13, esc(p.fit(w-4)))
	}
}

// name is the step's name and the change, or the change alone.
func (p Phase) name() string {
	if p.Step == "" {
		return p.Label
	}
	return p.Step + " (" + p.Label + ")"
}

// fit is the longest label of the phase that fits a width, its outcome
// kept as long as one does.
func (p Phase) fit(width float64) string {
	for _, s := range []string{p.name() + " · " + p.Outcome, p.Step + " · " + p.Outcome, p.Label + " · " + p.Outcome, p.Outcome} {
		if !strings.HasPrefix(s, " · ") && clipText(s, width) == s {
			return s
		}
	}
	return clipText(p.Outcome, width)
}

func failedOutcome(o string) bool {
	return strings.Contains(o, "Rollback") || o == "Failed" || o == "Cancelled"
}

// clipText shortens s to what fits in a width (about 6 units a letter).
func clipText(s string, width float64) string {
	n := int((width - 4) / 6.6)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 2 {
		return ""
	}
	return string(r[:n-1]) + "…"
}

// markers draws each marker as a dashed line with its number above the
// plot; numbers that would overlap move right, with a leader to their
// moment.
func markers(b *strings.Builder, f frame, ms []Marker) {
	last := math.Inf(-1)
	for i, m := range ms {
		x, col := f.x(m.At), markerColor(m.Kind)
		cx := max(x, last+17)
		last = cx
		fmt.Fprintf(b, `<g class="marker" data-kind="%s"><title>%s  %s: %s</title>`, esc(m.Kind), esc(since(m.At)), esc(m.Kind), esc(m.Label))
		fmt.Fprintf(b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="1.2" stroke-dasharray="4 3"/>`,
			num(x), num(x), num(f.top), num(f.bottom()), col)
		fmt.Fprintf(b, `<path d="M%s,%d L%s,%s" stroke="%s" stroke-width="1" fill="none"/>`, num(cx), markerRow+8, num(x), num(f.top), col)
		fmt.Fprintf(b, `<circle cx="%s" cy="%d" r="8" fill="%s"/><text x="%s" y="%d" font-size="10" font-weight="700" fill="#fff" text-anchor="middle">%d</text></g>`,
			num(cx), markerRow, col, num(cx), markerRow+4, i+1)
	}
}

type keyItem struct{ name, col string }

// legend lists the series at the top right.
func legend(b *strings.Builder, items []keyItem) {
	x := float64(chartWidth - plotRight)
	for i := len(items) - 1; i >= 0; i-- {
		w := 22 + 7*float64(len([]rune(items[i].name)))
		x -= w
		fmt.Fprintf(b, `<rect x="%s" y="8" width="12" height="12" rx="2" fill="%s"/><text x="%s" y="18" fill="#374151">%s</text>`,
			num(x), items[i].col, num(x+16), esc(items[i].name))
	}
}

func keyHeight(n int) int { return 8 + keyRowHeight*((n+1)/2) }

// markerKey lists the markers in two columns, for a chart on its own.
func markerKey(b *strings.Builder, ms []Marker, top int) {
	rows := (len(ms) + 1) / 2
	for i, m := range ms {
		col, row := i/max(rows, 1), i%max(rows, 1)
		x, y := float64(plotLeft+col*(chartWidth-plotLeft)/2), float64(top+8+row*keyRowHeight)
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="7" fill="%s"/><text x="%s" y="%s" font-size="9" font-weight="700" fill="#fff" text-anchor="middle">%d</text>`,
			num(x), num(y+5), markerColor(m.Kind), num(x), num(y+8), i+1)
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="#374151">%s  %s</text>`, num(x+12), num(y+9), esc(since(m.At)),
			esc(clipText(m.Label, float64(chartWidth-plotLeft)/2-70)))
	}
}

// yGrid draws horizontal lines at nice values up to top.
func yGrid(b *strings.Builder, f frame, top float64, label func(float64) string, y func(float64) float64) {
	step := top / 4
	for i := 0; i <= 4; i++ {
		v := step * float64(i)
		yv := y(v)
		fmt.Fprintf(b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#e5e7eb"/>`, num(f.left), num(f.left+f.w), num(yv), num(yv))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="#6b7280">%s</text>`, num(f.left-6), num(yv+4), esc(label(v)))
	}
}

// xAxis draws the time axis: seconds since the run started.
func xAxis(b *strings.Builder, f frame) {
	fmt.Fprintf(b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#9ca3af"/>`, num(f.left), num(f.left+f.w), num(f.bottom()), num(f.bottom()))
	step := tickStep(f.span)
	for t := time.Duration(0); t <= f.span; t += step {
		x := f.x(t)
		fmt.Fprintf(b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#9ca3af"/>`, num(x), num(x), num(f.bottom()), num(f.bottom()+4))
		anchor := "middle"
		if x > f.left+f.w-24 {
			anchor = "end"
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" fill="#6b7280">%s</text>`, num(x), num(f.bottom()+17), anchor, since(t))
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="#9ca3af" font-size="11">time since the run started</text>`,
		num(f.left+f.w), num(f.bottom()+31))
}

// tickStep picks a time step that gives 5 to 12 ticks.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second,
		30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute} {
		if span/s <= 12 {
			return s
		}
	}
	return time.Hour
}

// since renders a time from the run's start: +45s, +2m05s.
func since(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		return "-" + since(-d)[1:]
	}
	if d < time.Minute {
		return fmt.Sprintf("+%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("+%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// niceCeil rounds a peak up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func decadeFloor(d time.Duration) time.Duration {
	out := 100 * time.Microsecond
	for out*10 <= d {
		out *= 10
	}
	return out
}

func decadeCeil(d time.Duration) time.Duration {
	out := time.Millisecond
	for out < d {
		out *= 10
	}
	return out
}
