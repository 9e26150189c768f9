package report

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cattle-dev/cattle/scenarios/loadgen"
	"github.com/cattle-dev/cattle/store"
)

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// synthetic feeds a series with rate requests a second for span: v1
// answers until switchAt, v2 after, and the requests of the second after
// failAt fail.
func synthetic(s *Series, span time.Duration, rate int, switchAt, failAt time.Duration) int {
	rng := rand.New(rand.NewPCG(1, 2))
	n := int(span.Seconds()) * rate
	step := time.Second / time.Duration(rate)
	for i := range n {
		at := time.Duration(i) * step
		rec := loadgen.Record{Seq: uint64(i), Start: t0.Add(at), Status: 200, Version: "v1",
			Latency: time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond}
		if at >= switchAt {
			rec.Version = "v2"
		}
		if at >= failAt && at < failAt+time.Second {
			rec.Status, rec.Version = 502, ""
		}
		s.Add(rec)
	}
	return n
}

// Ten minutes at 5,000 requests a second (three million records) make a
// page of a bounded size: the series holds buckets, not records.
func TestReportOfAHeavyRunStaysSmall(t *testing.T) {
	s := NewSeries(t0)
	n := synthetic(s, 10*time.Minute, 5000, 5*time.Minute, 7*time.Minute)
	pts := s.Points()
	if len(pts) > maxBuckets {
		t.Errorf("%d buckets, want at most %d", len(pts), maxBuckets)
	}
	total, errs, v1, v2 := 0, 0, 0, 0
	for _, p := range pts {
		total, errs, v1, v2 = total+p.Requests, errs+p.Errors, v1+p.Versions[0], v2+p.Versions[1]
	}
	if total != n || errs != 5000 || v1 != 5*60*5000 || v2 != n-v1-errs {
		t.Errorf("counted %d requests (%d errors, v1 %d, v2 %d), sent %d", total, errs, v1, v2, n)
	}
	if got := s.Versions(); strings.Join(got, ",") != "v1,v2" {
		t.Errorf("versions %v, want v1,v2", got)
	}
	r := sampleReport(s, 10*time.Minute)
	var page bytes.Buffer
	if err := WriteHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if page.Len() > 2<<20 {
		t.Errorf("the page of 10 minutes at 5,000 requests a second is %d bytes, want under 2 MB", page.Len())
	}
	checkPage(t, page.Bytes(), "v1", "v2", "step 3 failed", "rollback: rolling back")
	t.Logf("page: %d bytes for %d requests in %d buckets of %s", page.Len(), n, len(pts), s.Width())
}

func sampleReport(s *Series, span time.Duration) *Report {
	ms, ps := FromEvents(t0, sampleEvents(span))
	ms = append(ms, Marker{At: span - time.Second, Kind: MarkFailure, Label: "step 3 failed: <all good>", Detail: "want 0 errors"})
	return &Report{
		Scenario: "heavy", File: "heavy.yaml", Started: t0, Duration: span, Verdict: "step 3 failed",
		Steps: []Step{
			{Label: "step 1", Title: "traffic", Kind: "load", Status: StatusPassed, Notes: []string{"load traffic: 5000/s"}},
			{Label: "step 2", Title: "roll", Kind: "refresh", Status: StatusPassed, At: span / 2, Duration: time.Minute},
			{Label: "step 3", Title: "<all good>", Kind: "load_errors", Status: StatusFailed, At: span - time.Second,
				Error: "5000 errors <script>alert(1)</script>"},
			{Label: "step 4", Title: "later", Kind: "wait", Status: StatusSkipped},
		},
		Loads:   []Load{{Name: "traffic", URL: "http://127.0.0.1:1/", Rate: "5000/s", Series: s}},
		Markers: ms, Phases: ps,
	}
}

// checkPage parses a page and checks that it loads nothing from anywhere
// and shows what it should.
func checkPage(t *testing.T, page []byte, wants ...string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	svgs := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "svg" {
			svgs++
		}
		if n.Data == "script" || n.Data == "link" || n.Data == "iframe" || n.Data == "img" {
			t.Errorf("the page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q> points outside the page", n.Data, a.Key, a.Val)
			}
		}
	}
	if svgs < 3 {
		t.Errorf("%d charts, want the steps, requests and latency charts", svgs)
	}
	text := string(page)
	if strings.Contains(text, "@import") || strings.Contains(text, "url(") || strings.Contains(text, "<script>alert") {
		t.Error("the page imports styles, loads a url(), or lets a script in")
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
}

func TestSeriesCoarsensAndKeepsCounts(t *testing.T) {
	s := NewSeries(t0)
	for i := range 1300 { // 1,300 seconds, one request each
		s.Add(loadgen.Record{Start: t0.Add(time.Duration(i) * time.Second), Status: 200, Version: "v1", Latency: time.Millisecond})
	}
	if s.Width() != 4*time.Second {
		t.Errorf("width %s after 1,300 seconds, want 4s (at most %d buckets)", s.Width(), maxBuckets)
	}
	pts := s.Points()
	if len(pts) != 325 || pts[0].Requests != 4 || pts[324].Versions[0] != 4 || pts[10].At != 40*time.Second {
		t.Errorf("%d points, first %+v, last %+v", len(pts), pts[0], pts[len(pts)-1])
	}
}

func TestSeriesPercentilesAndVersions(t *testing.T) {
	s := NewSeries(t0)
	for i := range 100 {
		lat := 2 * time.Millisecond
		if i == 99 {
			lat = 400 * time.Millisecond
		}
		s.Add(loadgen.Record{Start: t0, Status: 200, Version: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}[i%10], Latency: lat})
	}
	s.Add(loadgen.Record{Start: t0, Status: 0, Error: "connection refused"})
	p := s.Points()[0]
	if p.P50 < 2*time.Millisecond || float64(p.P50) > float64(2*time.Millisecond)*latGrowth {
		t.Errorf("p50 %s, want about 2ms", p.P50)
	}
	if p.P99 < 2*time.Millisecond || p.P99 > 3*time.Millisecond {
		t.Errorf("p99 %s of 101 requests with one slow, want about 2ms (the slow one is the 100th)", p.P99)
	}
	vs := s.Versions()
	if len(vs) != maxVersions+1 || vs[maxVersions] != OtherVersion || p.Versions[maxVersions] != 20 || p.Errors != 1 {
		t.Errorf("versions %v, counts %v, errors %d", vs, p.Versions, p.Errors)
	}
}

func sampleEvents(span time.Duration) []store.Event {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	g := func(kv ...string) map[string]string {
		m := map[string]string{"group": "web"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	mid := span / 2
	return []store.Event{
		{Time: at(mid), Kind: "refresh.started", Resource: "group/web", Fields: g("refresh", "rf-1", "status", "Pending"),
			Message: "refresh rf-1 started on group web: web:2 -> web:3 (min healthy 66%)"},
		{Time: at(mid + time.Second), Kind: "refresh.checkpoint", Fields: g("refresh", "rf-1", "percent_complete", "33"),
			Message: "refresh rf-1 waits at checkpoint 33%"},
		{Time: at(mid + 10*time.Second), Kind: "refresh.status", Fields: g("refresh", "rf-1", "status", "RollbackInProgress"),
			Message: "refresh rf-1 RollbackInProgress: rolling back to web:2 after a failure"},
		{Time: at(mid + 11*time.Second), Kind: "instance.state", Resource: "instance/i-0aa", Fields: g("state", "terminated", "template", "web", "version", "3"),
			Message: "i-0aa shutting-down (32) -> terminated (48) (Server.AutoScaling: group web found it unhealthy during refresh rf-1)"},
		{Time: at(mid + 12*time.Second), Kind: "refresh.launch", Fields: g("refresh", "rf-1"),
			Message: "launched i-0bb (zone-a) from web:2: rollback of refresh rf-1"},
		{Time: at(mid + 20*time.Second), Kind: "refresh.status", Fields: g("refresh", "rf-1", "status", "RollbackSuccessful"),
			Message: "refresh rf-1 RollbackSuccessful: every replaced instance runs web:2 again"},
		{Time: at(mid + time.Minute), Kind: "instance.state", Resource: "instance/i-0cc", Fields: g("state", "terminated", "template", "web", "version", "2"),
			Message: "i-0cc running (16) -> terminated (48) (Server.AutoScaling: refresh rf-2 replaces it with web:3)"},
		{Time: at(mid + 2*time.Minute), Kind: "group.launch", Fields: g("count", "1"),
			Message: "launched i-0dd (zone-b) from web:2: capacity 2 -> 3 of desired 3"},
	}
}

func TestFromEventsMarksRefreshesAndReplacements(t *testing.T) {
	span := 10 * time.Minute
	ms, ps := FromEvents(t0, sampleEvents(span))
	if len(ps) != 1 || ps[0].From != span/2 || ps[0].To != span/2+20*time.Second || ps[0].Outcome != "RollbackSuccessful" || ps[0].Label != "web:2 -> web:3" {
		t.Fatalf("phases %+v", ps)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Kind+" "+m.Label)
	}
	want := []string{
		"refresh refresh started: web:2 -> web:3",
		"checkpoint checkpoint at 33%",
		"rollback rollback: rolling back to web:2 after a failure",
		"replace i-0aa replaced by i-0bb in group web",
		"rollback refresh RollbackSuccessful: web:2 -> web:3",
	}
	// i-0cc was replaced by its refresh, as asked: not a loss, so the
	// group's later launch is no replacement.
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("markers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(ms[3].Detail, "web:3") || !strings.Contains(ms[3].Detail, "found it unhealthy") {
		t.Errorf("the replacement's detail %q lacks the version and the reason", ms[3].Detail)
	}
}

// The SVG chart stands alone: an XML document with its markers listed.
func TestWriteSVG(t *testing.T) {
	s := NewSeries(t0)
	synthetic(s, time.Minute, 20, 30*time.Second, 45*time.Second)
	var out bytes.Buffer
	if err := WriteSVG(&out, sampleReport(s, time.Minute)); err != nil {
		t.Fatal(err)
	}
	svg := out.String()
	for _, want := range []string{`<?xml`, `xmlns="http://www.w3.org/2000/svg"`, `data-version="v1"`, `data-version="v2"`,
		`data-series="errors"`, `class="phase" data-outcome="RollbackSuccessful"`, "i-0aa replaced by i-0bb", "step 3 failed: &lt;all good&gt;"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
	if strings.Contains(svg, "<all good>") {
		t.Error("a label went into the SVG unescaped")
	}
	out.Reset()
	quiet := sampleReport(s, time.Minute)
	quiet.Loads = nil
	if err := WriteSVG(&out, quiet); err != nil {
		t.Fatalf("a run without load: %v", err)
	}
	for _, want := range []string{"steps over time", `class="step" data-status="failed"`, `>roll</text>`, "i-0aa replaced by i-0bb"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the SVG of a run without load lacks %s", want)
		}
	}
}
