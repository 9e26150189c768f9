package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// demoServer answers like the demo app: every tenth request fails, and the
// version alternates between v1 and v2.
func demoServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		version := "v1"
		if i%2 == 0 {
			version = "v2"
		}
		w.Header().Set("X-Demo-Version", version)
		w.Header().Set("X-Instance-Id", "i-0000000000000000"+version[1:])
		if i%10 == 0 {
			http.Error(w, "injected", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(`{"version":"` + version + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestLoadRecordsEveryAnswer(t *testing.T) {
	srv, served := demoServer(t)
	l, err := Start(context.Background(), Config{Name: "t", URL: srv.URL + "/", Freq: 200, Per: time.Second, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	<-l.Done()
	recs := l.Records()
	if len(recs) != 50 || served.Load() != 50 {
		t.Fatalf("recorded %d, served %d; want 50 each", len(recs), served.Load())
	}
	s := Summarize(recs)
	if s.Errors != 5 || s.Outcomes["500"] != 5 || s.Outcomes["200"] != 45 {
		t.Errorf("errors %d, outcomes %v; want 5 errors of 500 and 45 of 200", s.Errors, s.Outcomes)
	}
	if s.Versions["v1"] != 25 || s.Versions["v2"] != 25 {
		t.Errorf("versions %v, want 25 of each", s.Versions)
	}
	if len(s.Instances) != 2 {
		t.Errorf("instances %v, want two", s.Instances)
	}
	if s.FirstError == nil || s.FirstError.Status != 500 {
		t.Errorf("first error %+v", s.FirstError)
	}
	for _, r := range recs {
		if r.Start.IsZero() || r.Latency <= 0 {
			t.Fatalf("record without timing: %+v", r)
		}
	}
}

func TestLoadIsOpenLoop(t *testing.T) {
	// A target that takes longer than the interval between requests must
	// not slow the rate down: requests overlap instead.
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}))
	defer srv.Close()
	l, err := Start(context.Background(), Config{Name: "slow", URL: srv.URL, Freq: 100, Per: time.Second, Requests: 40})
	if err != nil {
		t.Fatal(err)
	}
	<-l.Done()
	if got := len(l.Records()); got != 40 {
		t.Fatalf("recorded %d, want 40", got)
	}
	if peak.Load() < 5 {
		t.Errorf("at most %d requests were in flight at once: the load waited for answers", peak.Load())
	}
}

func TestLoadStopsOnStopAndOnContext(t *testing.T) {
	srv, _ := demoServer(t)
	l, err := Start(context.Background(), Config{Name: "s", URL: srv.URL, Freq: 50, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	l.Stop()
	if l.Running() {
		t.Fatal("running after Stop")
	}
	n := len(l.Records())
	time.Sleep(100 * time.Millisecond)
	if len(l.Records()) != n {
		t.Fatal("records grew after Stop")
	}

	ctx, cancel := context.WithCancel(context.Background())
	l2, err := Start(ctx, Config{Name: "c", URL: srv.URL, Freq: 50, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-l2.Done()
}

func TestLoadRecordsRefusedConnections(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	l, err := Start(context.Background(), Config{Name: "dead", URL: url, Freq: 100, Per: time.Second, Requests: 5, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	<-l.Done()
	s := Summarize(l.Records())
	if s.Errors != 5 || s.Outcomes["no answer"] != 5 {
		t.Fatalf("summary %v; want 5 requests without answer", s)
	}
	if s.FirstError.Error == "" {
		t.Error("no error text for a refused connection")
	}
}

func TestCheckURLOnlyLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080/", "http://localhost:80/x", "http://127.0.0.2:1", "http://[::1]:9"} {
		if _, err := CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{
		"http://10.0.0.1:80/", "http://192.168.1.1:80", "http://example.com:80/", "https://127.0.0.1:443/",
		"http://127.0.0.1/", "ftp://127.0.0.1:21", "127.0.0.1:80", "http://0.0.0.0:80", "http://169.254.1.1:80",
	} {
		if _, err := CheckURL(bad); err == nil {
			t.Errorf("CheckURL(%q) accepted it", bad)
		}
	}
	if u, _ := CheckURL("http://localhost:80"); !strings.HasPrefix(u.String(), "http://127.0.0.1:80/") {
		t.Errorf("localhost became %s", u)
	}
	if _, err := Start(context.Background(), Config{URL: "http://10.1.2.3:80", Freq: 1, Per: time.Second}); err == nil {
		t.Error("Start accepted a non-loopback target")
	}
	if err := loopbackOnly("tcp", "10.0.0.1:80", nil); err == nil {
		t.Error("the dialer guard let 10.0.0.1 through")
	}
}

func TestPercentileAndBetween(t *testing.T) {
	base := time.Now()
	var recs []Record
	for i := 1; i <= 100; i++ {
		recs = append(recs, Record{Start: base.Add(time.Duration(i) * time.Second), Latency: time.Duration(i) * time.Millisecond, Status: 200})
	}
	if p := Percentile(recs, 99); p != 99*time.Millisecond {
		t.Errorf("p99 = %s", p)
	}
	if p := Percentile(recs, 50); p != 50*time.Millisecond {
		t.Errorf("p50 = %s", p)
	}
	if p := Percentile(nil, 50); p != 0 {
		t.Errorf("p50 of nothing = %s", p)
	}
	got := Between(recs, base.Add(10*time.Second), base.Add(20*time.Second))
	if len(got) != 10 || got[0].Latency != 10*time.Millisecond {
		t.Errorf("between: %d records from %v", len(got), got[0].Latency)
	}
}
