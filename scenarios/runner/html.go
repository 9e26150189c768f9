package runner

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios/report"
)

// Step kinds that break something on purpose: the charts mark when each
// ran.
var faultKinds = []string{"fault", "remove_instance", "drift", "terminate", "deregister_targets"}

// WriteHTML writes the result as one self-contained HTML page: the steps
// with their evidence, and charts of the load over time with the refresh
// phases and the injected faults marked.
func WriteHTML(w io.Writer, res *Result) error { return report.WriteHTML(w, reportOf(res)) }

// WriteSVG writes the chart of the first load (requests by version and
// errors, with the markers) as an SVG image.
func WriteSVG(w io.Writer, res *Result) error { return report.WriteSVG(w, reportOf(res)) }

// reportOf turns a journal into what a report shows. The load's records
// are summed up per time bucket in a report.Series, so the page's size
// follows the run's length, not its rate.
func reportOf(res *Result) *report.Report {
	r := &report.Report{
		Scenario: res.Scenario, Description: res.Description, File: res.File, Sandbox: res.Sandbox, Timing: res.Timing,
		Started: res.Started, Duration: time.Duration(res.Duration), Passed: res.Passed, Verdict: verdict(res),
		Refused: res.Refused,
	}
	for _, st := range res.Steps {
		r.Steps = append(r.Steps, report.Step{
			Label: st.Label, Title: st.Title, Kind: st.Kind, Position: st.Position, Source: st.Source, Status: st.Status,
			At: time.Duration(st.At), Duration: time.Duration(st.Duration), Notes: st.Notes, Error: st.Error,
		})
	}
	for _, ld := range res.Loads {
		s := report.NewSeries(res.Started)
		for _, rec := range ld.Records {
			s.Add(rec)
		}
		r.Loads = append(r.Loads, report.Load{Name: ld.Name, URL: ld.URL, Rate: ld.Rate, Summary: ld.Summary.String(), Series: s})
	}
	evMarkers, phases := report.FromEvents(res.Started, res.Events)
	nameRefreshes(res, phases, evMarkers)
	r.Markers = append(stepMarkers(res), evMarkers...)
	slices.SortStableFunc(r.Markers, func(a, b report.Marker) int { return cmp.Compare(a.At, b.At) })
	r.Phases = phases
	for _, ev := range res.Events {
		r.Events = append(r.Events, report.Event{At: ev.Time.Sub(res.Started), Kind: ev.Kind, Resource: ev.Resource, Message: ev.Message})
	}
	return r
}

// nameRefreshes gives each refresh the name of the step that started it
// ("broken v3 (web:2 -> web:3)"), on its phase and its markers.
func nameRefreshes(res *Result, phases []report.Phase, ms []report.Marker) {
	for i, p := range phases {
		for _, st := range res.Steps {
			from, to := time.Duration(st.At), time.Duration(st.At+st.Duration)
			if st.Kind != "refresh" || st.Title == st.Source || p.From < from || p.From > to {
				continue
			}
			phases[i].Step = st.Title
			named := st.Title + " (" + p.Label + ")"
			for j := range ms {
				ms[j].Label = strings.Replace(ms[j].Label, p.Label, named, 1)
			}
			break
		}
	}
}

// stepMarkers marks the steps that injected a fault, and the one that
// failed.
func stepMarkers(res *Result) []report.Marker {
	var out []report.Marker
	for _, st := range res.Steps {
		switch {
		case st.Status == Failed:
			out = append(out, report.Marker{At: time.Duration(st.At + st.Duration), Kind: report.MarkFailure,
				Label: st.Label + " failed: " + st.Title, Detail: st.Error})
		case st.Status == Passed && slices.Contains(faultKinds, st.Kind):
			detail := st.Source
			if len(st.Notes) > 0 {
				detail = st.Notes[0]
			}
			out = append(out, report.Marker{At: time.Duration(st.At), Kind: report.MarkFault,
				Label: "injected by " + st.Label + ": " + st.Title, Detail: detail})
		}
	}
	return out
}

// verdict is the run's outcome in a line, as the timeline's footer says it.
func verdict(res *Result) string {
	total := len(res.Steps)
	switch f := res.Failure(); {
	case res.Refused != "":
		return "refused: " + res.Refused
	case f != nil && res.Interrupted:
		return fmt.Sprintf("%s was interrupted (%d of %d steps passed)", f.Label, res.Count(Passed), total)
	case f != nil:
		return fmt.Sprintf("%s failed: %s (%d of %d steps passed)", f.Label, f.Title, res.Count(Passed), total)
	case res.TeardownError != "":
		return "every step passed, but cleaning up the sandbox failed: " + res.TeardownError
	}
	return fmt.Sprintf("all %d steps passed in %.1fs", total, time.Duration(res.Duration).Seconds())
}
