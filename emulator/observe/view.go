package observe

import (
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/lb"
	"github.com/cattle-dev/cattle/store"
)

// view is what the dashboard draws: one reading of the sandbox, with the
// request rates since the reading before.
type view struct {
	Time   int64       `json:"time"` // Unix milliseconds
	Groups []groupView `json:"groups"`
	LBs    []lbView    `json:"lbs"`
}

type groupView struct {
	Name         string       `json:"name"`
	Template     string       `json:"template"`
	LoadBalancer string       `json:"load_balancer,omitempty"`
	Zones        []string     `json:"zones"`
	Desired      int          `json:"desired"`
	Min          int          `json:"min"`
	Max          int          `json:"max"`
	InService    int          `json:"in_service"`
	Pending      int          `json:"pending"`
	Status       string       `json:"status,omitempty"`
	Instances    []instView   `json:"instances"`
	Refresh      *refreshView `json:"refresh,omitempty"`
}

type instView struct {
	ID      string `json:"id"`
	Zone    string `json:"zone"`
	Version int    `json:"version"`
	State   string `json:"state"`
	// Target is its health in the group's load balancer ("" if not there).
	Target string `json:"target,omitempty"`
}

type refreshView struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	Reason          string `json:"reason,omitempty"`
	Done            bool   `json:"done"`
	Percent         int    `json:"percent"`
	Total           int    `json:"total"`
	Batch           int    `json:"batch"` // instances it launched not yet healthy
	Target          string `json:"target"`
	Previous        string `json:"previous"`
	Checkpoints     []int  `json:"checkpoints,omitempty"`
	CheckpointIndex int    `json:"checkpoint_index"`
	AtCheckpoint    bool   `json:"at_checkpoint"`
	AutoRollback    bool   `json:"auto_rollback"`
}

type lbView struct {
	Name     string       `json:"name"`
	Address  string       `json:"address"`
	Running  bool         `json:"running"`
	RPS      float64      `json:"rps"`
	EPS      float64      `json:"eps"`
	Requests int64        `json:"requests"`
	Errors   int64        `json:"errors"`
	Targets  []targetView `json:"targets"`
}

type targetView struct {
	ID          string  `json:"id"`
	State       string  `json:"state"`
	Reason      string  `json:"reason,omitempty"`
	Description string  `json:"description,omitempty"`
	Version     string  `json:"version,omitempty"`
	RPS         float64 `json:"rps"`
	EPS         float64 `json:"eps"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
}

// point is one sample of the rolling chart: requests per second by the
// version that answered them, and 5xx per second.
type point struct {
	Time   int64              `json:"t"`
	RPS    map[string]float64 `json:"rps"`
	Errors float64            `json:"errors"`
}

// rates turns counters into per-second rates between two readings.
type rates struct {
	at   time.Time
	last map[string]int64 // "lb/target/req", "lb/target/5xx", "lb//5xx" ...
	next map[string]int64
	dt   float64
}

func newRates(prev *rates, now time.Time) *rates {
	r := &rates{at: now, next: map[string]int64{}}
	if prev != nil {
		r.last, r.dt = prev.next, now.Sub(prev.at).Seconds()
	}
	return r
}

// per is the rate of a counter keyed k, now at v: 0 on the first reading,
// and v itself after a reset (a load balancer made again).
func (r *rates) per(k string, v int64) float64 {
	r.next[k] = v
	prev, ok := r.last[k]
	if !ok || r.dt <= 0 {
		return 0
	}
	d := v - prev
	if d < 0 {
		d = v
	}
	return float64(d) / r.dt
}

func buildView(st state, r *rates) (view, point) {
	v := view{Time: st.time.UnixMilli(), Groups: []groupView{}, LBs: []lbView{}}
	p := point{Time: v.Time, RPS: map[string]float64{}}
	health := map[string]map[string]string{} // lb -> id -> state
	for _, l := range st.lbs {
		lv := lbOf(st, l, r, p.RPS)
		p.Errors += lv.EPS
		v.LBs = append(v.LBs, lv)
		health[l.Name] = map[string]string{}
		for _, t := range l.targets {
			if _, seen := health[l.Name][t.ID]; !seen {
				health[l.Name][t.ID] = t.State
			}
		}
	}
	for _, g := range st.groups {
		var rf *autoscaling.Refresh
		if x, ok := st.refreshes[g.Name]; ok {
			rf = &x
		}
		v.Groups = append(v.Groups, groupOf(g, rf, health[g.LoadBalancer]))
	}
	return v, p
}

func lbOf(st state, l lbState, r *rates, byVersion map[string]float64) lbView {
	lv := lbView{Name: l.Name, Address: l.Address, Running: l.running, Targets: []targetView{}}
	if l.running {
		lv.Requests, lv.Errors = l.stats.Requests, errors5xx(l.stats.Responses)
		lv.RPS = r.per(l.Name+"//req", lv.Requests)
		lv.EPS = r.per(l.Name+"//5xx", lv.Errors)
	}
	seen := map[string]bool{}
	for _, t := range l.targets {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		tv := targetView{ID: t.ID, State: t.State, Reason: t.Reason, Description: t.Description, Version: st.versionOf(t.ID)}
		lv.Targets = append(lv.Targets, tv)
	}
	// Every target with counters, including those already gone from the
	// target group, counts in the chart.
	for id, ts := range l.stats.Targets {
		rps := r.per(l.Name+"/"+id+"/req", ts.Requests)
		eps := r.per(l.Name+"/"+id+"/5xx", errors5xx(ts.Responses))
		if ver := st.versionOf(id); ver != "" && rps > 0 {
			byVersion[ver] += rps
		}
		for i := range lv.Targets {
			if lv.Targets[i].ID == id {
				tv := &lv.Targets[i]
				tv.RPS, tv.EPS, tv.Requests, tv.Errors = rps, eps, ts.Requests, errors5xx(ts.Responses)
			}
		}
	}
	return lv
}

func groupOf(g autoscaling.GroupDetail, rf *autoscaling.Refresh, health map[string]string) groupView {
	gv := groupView{Name: g.Name, Template: g.Template, LoadBalancer: g.LoadBalancer, Zones: g.Zones,
		Desired: g.Desired, Min: g.Min, Max: g.Max, InService: g.Healthy, Pending: pending(g), Status: g.Status,
		Instances: []instView{}}
	for _, i := range g.Instances {
		gv.Instances = append(gv.Instances, instView{ID: i.ID, Zone: i.Zone, Version: i.TemplateVersion,
			State: i.State, Target: health[i.ID]})
	}
	if rf != nil {
		gv.Refresh = refreshOf(*rf, g.Instances, health)
	}
	return gv
}

func refreshOf(r autoscaling.Refresh, insts []compute.Instance, health map[string]string) *refreshView {
	rv := &refreshView{ID: r.ID, Status: r.Status, Reason: r.StatusReason, Done: autoscaling.Done(r.Status),
		Percent: r.PercentComplete, Total: r.Total, Target: r.Target.String(), Previous: r.Previous.String(),
		Checkpoints: r.Preferences.CheckpointPercentages, CheckpointIndex: r.CheckpointIndex,
		AtCheckpoint: r.CheckpointReachedAt != nil && !autoscaling.Done(r.Status), AutoRollback: r.Preferences.AutoRollback}
	for _, i := range insts {
		if i.Tags[autoscaling.TagRefresh] == r.ID && health[i.ID] != string(lb.StateHealthy) {
			rv.Batch++
		}
	}
	return rv
}

// eventView is an event as the dashboard's log shows it.
type eventView struct {
	Seq      uint64 `json:"seq"`
	Time     int64  `json:"t"`
	Kind     string `json:"kind"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
}

func eventsOf(evs []store.Event) []eventView {
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		out = append(out, eventView{Seq: e.Seq, Time: e.Time.UnixMilli(), Kind: e.Kind, Resource: e.Resource, Message: e.Message})
	}
	return out
}
