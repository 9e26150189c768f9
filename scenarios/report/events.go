package report

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/store"
)

// The event kinds the daemon appends that a report marks.
const (
	evRefreshStarted    = "refresh.started"
	evRefreshStatus     = "refresh.status"
	evRefreshCheckpoint = "refresh.checkpoint"
	evRefreshLaunch     = "refresh.launch"
	evGroupLaunch       = "group.launch"
	evInstanceState     = "instance.state"
	evDriftReplaced     = "drift.replaced"
	evDriftDetected     = "drift.detected"
)

// Refresh statuses after which a refresh does no more.
var refreshEnds = []string{"Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"}

var launchedIDs = regexp.MustCompile(`\bi-[0-9a-f]+\b`)

// FromEvents reads the sandbox's events for what the charts mark: each
// refresh as a phase from its start to its end, with its checkpoints, its
// rollback and its end as markers; instances lost (a container removed, an
// instance found unhealthy or terminated by hand) and the launch that
// replaced each; drift detected and replaced. Times are from start.
func FromEvents(start time.Time, evs []store.Event) ([]Marker, []Phase) {
	var ms []Marker
	var ps []Phase
	open := map[string]int{} // refresh id -> index in ps
	lost := map[string][]lostInstance{}
	for _, ev := range evs {
		at := ev.Time.Sub(start)
		f := ev.Fields
		switch ev.Kind {
		case evRefreshStarted:
			open[f["refresh"]] = len(ps)
			ps = append(ps, Phase{From: at, To: -1, Label: refreshLabel(ev), Outcome: "InProgress"})
			ms = append(ms, Marker{At: at, Kind: MarkRefresh, Label: "refresh started: " + refreshLabel(ev), Detail: ev.Message})
		case evRefreshCheckpoint:
			ms = append(ms, Marker{At: at, Kind: MarkCheckpoint, Label: "checkpoint at " + f["percent_complete"] + "%", Detail: ev.Message})
		case evRefreshStatus:
			ms = append(ms, refreshStatus(ev, at, ps, open)...)
		case evInstanceState:
			if l, ok := lostOf(ev, at); ok {
				lost[f["group"]] = append(lost[f["group"]], l)
			}
		case evGroupLaunch, evRefreshLaunch:
			ms = append(ms, replacements(ev, at, lost)...)
		case evDriftReplaced:
			ms = append(ms, Marker{At: at, Kind: MarkReplace, Label: ev.Message, Detail: ev.Message})
		case evDriftDetected:
			ms = append(ms, Marker{At: at, Kind: MarkFault, Label: "drift detected: " + ev.Message, Detail: ev.Message})
		}
	}
	for i := range ps {
		if ps[i].To < 0 { // still going when the run ended
			ps[i].To = ps[i].From
			if len(evs) > 0 {
				ps[i].To = max(evs[len(evs)-1].Time.Sub(start), ps[i].From)
			}
		}
	}
	return ms, ps
}

// refreshLabel names a refresh by its change: "web:2 -> web:3", or by
// its group when the message says no more.
func refreshLabel(ev store.Event) string {
	if _, change, ok := strings.Cut(ev.Message, ": "); ok {
		change, _, _ = strings.Cut(change, " (")
		return change
	}
	return "group " + ev.Fields["group"]
}

// refreshStatus marks a rollback's start and a refresh's end, and closes
// its phase.
func refreshStatus(ev store.Event, at time.Duration, ps []Phase, open map[string]int) []Marker {
	status := ev.Fields["status"]
	i, known := open[ev.Fields["refresh"]]
	if known {
		ps[i].Outcome = status
	}
	kind := MarkRefresh
	if strings.HasPrefix(status, "Rollback") || status == "Failed" || status == "Cancelled" {
		kind = MarkRollback
	}
	switch {
	case status == "RollbackInProgress":
		return []Marker{{At: at, Kind: MarkRollback, Label: "rollback: " + after(ev.Message, "RollbackInProgress: "), Detail: ev.Message}}
	case slices.Contains(refreshEnds, status):
		if known {
			ps[i].To = at
			delete(open, ev.Fields["refresh"])
		}
		label := "refresh " + status
		if known {
			label += ": " + ps[i].Label
		}
		return []Marker{{At: at, Kind: kind, Label: label, Detail: ev.Message}}
	}
	return nil
}

func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return s
}

// lostInstance is a group's instance that ended without the group asking:
// its replacement is the group's next launch.
type lostInstance struct {
	id, why string
}

func lostOf(ev store.Event, at time.Duration) (lostInstance, bool) {
	f := ev.Fields
	if f["state"] != "terminated" || f["group"] == "" {
		return lostInstance{}, false
	}
	_, reason, _ := strings.Cut(ev.Message, "(48) (")
	reason = strings.TrimSuffix(reason, ")")
	for _, sign := range []string{"Server.InternalError", "found it unhealthy", "user initiated shutdown"} {
		if strings.Contains(reason, sign) {
			_, why, _ := strings.Cut(reason, ": ")
			if v := f["version"]; v != "" {
				why = f["template"] + ":" + v + ", " + why
			}
			return lostInstance{id: strings.TrimPrefix(ev.Resource, "instance/"), why: why}, true
		}
	}
	return lostInstance{}, false
}

// replacements pairs the instances a launch made with the group's lost
// ones, first lost first.
func replacements(ev store.Event, at time.Duration, lost map[string][]lostInstance) []Marker {
	group := ev.Fields["group"]
	msg, _, _ := strings.Cut(ev.Message, " from ")
	var out []Marker
	for _, id := range launchedIDs.FindAllString(msg, -1) {
		if len(lost[group]) == 0 {
			break
		}
		l := lost[group][0]
		lost[group] = lost[group][1:]
		out = append(out, Marker{At: at, Kind: MarkReplace, Label: l.id + " replaced by " + id + " in group " + group,
			Detail: l.id + " (" + l.why + ") replaced by " + id})
	}
	return out
}
