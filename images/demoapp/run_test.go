package demoapp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var listeningRE = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// startRun runs Run in the background on a loopback port and returns its
// base URL, its stdout and a channel with Run's result.
func startRun(t *testing.T, ctx context.Context) (string, *syncBuffer, <-chan error) {
	t.Helper()
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"--listen", "127.0.0.1:0"}, stdout, io.Discard) }()
	var addr string
	waitFor(t, "the start log line", func() bool {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		default:
		}
		m := listeningRE.FindStringSubmatch(stdout.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return "http://" + addr, stdout, done
}

func get(t *testing.T, url string) (int, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Setenv("DEMO_VERSION", "v5")
	t.Setenv("CATTLE_INSTANCE_ID", "i-0run")
	t.Setenv("CATTLE_ZONE", "zone-c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stdout, done := startRun(t, ctx)

	startLog := stdout.String()
	for _, want := range []string{"v5", "i-0run", "zone-c"} {
		if !strings.Contains(startLog, want) {
			t.Errorf("start line lacks %q: %s", want, startLog)
		}
	}
	for i := 0; i < 5; i++ {
		status, h := get(t, base+"/")
		if status != http.StatusOK || h.Get("X-Demo-Version") != "v5" || h.Get("X-Instance-Id") != "i-0run" {
			t.Fatalf("GET / = %d %v", status, h)
		}
	}
	if stdout.String() != startLog {
		t.Errorf("requests were logged; want only start and fault changes:\n%s", stdout)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil (exit 0 on docker stop)", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after Run returned")
	}
}

func TestRunStopsWithASlowRequestInFlight(t *testing.T) {
	t.Setenv("DEMO_LATENCY", "1h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, _, done := startRun(t, ctx)
	inflight := make(chan error, 1)
	go func() {
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
		}
		inflight <- err
	}()
	// /healthz is not delayed, so once it answers the server is up; the
	// slow request may or may not have arrived yet, both must stop.
	if status, _ := get(t, base+"/healthz"); status != http.StatusOK {
		t.Fatalf("GET /healthz = %d", status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if err := <-inflight; err == nil {
		t.Error("the 1h request got an answer; it should have been cut")
	}
}

func TestRunAdminCrashEndsRunWithError(t *testing.T) {
	base, stdout, done := startRun(t, context.Background())
	resp, err := http.Post(base+"/admin/crash", "application/json", nil)
	if err != nil {
		t.Fatalf("POST /admin/crash: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST /admin/crash = %d, want 202", resp.StatusCode)
	}
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "crash") {
		t.Errorf("Run = %v, want a crash error (non-zero exit)", err)
	}
	if !strings.Contains(stdout.String(), "crash requested") {
		t.Errorf("crash not logged:\n%s", stdout)
	}
}

func TestRunFaultChangesAreLogged(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stdout, done := startRun(t, ctx)
	resp, err := http.Post(base+"/admin/error-rate", "application/json", strings.NewReader(`{"rate":0.3}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(stdout.String(), "error_rate=0.3") {
		t.Errorf("fault change not logged:\n%s", stdout)
	}
	cancel()
	<-done
}

func TestRunCrashAfter(t *testing.T) {
	t.Setenv("DEMO_CRASH_AFTER", "50ms")
	err := Run(context.Background(), []string{"--listen", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEMO_CRASH_AFTER") {
		t.Errorf("Run = %v, want a crash naming DEMO_CRASH_AFTER", err)
	}
}

func TestRunRefusesBadEnvironment(t *testing.T) {
	t.Setenv("DEMO_ERROR_RATE", "lots")
	stdout := &syncBuffer{}
	err := Run(context.Background(), []string{"--listen", "127.0.0.1:0"}, stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DEMO_ERROR_RATE") {
		t.Errorf("Run = %v, want an error naming DEMO_ERROR_RATE", err)
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Errorf("started anyway:\n%s", stdout)
	}
}

func TestRunHelp(t *testing.T) {
	stdout := &syncBuffer{}
	if err := Run(context.Background(), []string{"--help"}, stdout, io.Discard); err != nil {
		t.Fatalf("Run --help = %v", err)
	}
	if !strings.Contains(stdout.String(), "Usage: cattle demo-app") {
		t.Errorf("no usage:\n%s", stdout)
	}
}

func TestRunBadFlag(t *testing.T) {
	if err := Run(context.Background(), []string{"--bogus"}, io.Discard, io.Discard); err == nil {
		t.Error("Run --bogus = nil")
	}
}

func TestRunSelfTest(t *testing.T) {
	t.Setenv("DEMO_VERSION", "v4")
	t.Setenv("DEMO_CRASH_AFTER", "1ns")    // must not crash the self-test
	t.Setenv("DEMO_LISTEN", "256.0.0.1:1") // ignored: the self-test picks its own port
	stdout := &syncBuffer{}
	if err := Run(context.Background(), []string{"--self-test"}, stdout, io.Discard); err != nil {
		t.Fatalf("self-test = %v", err)
	}
	if !strings.Contains(stdout.String(), "self-test ok") || !strings.Contains(stdout.String(), "v4") {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestRunSelfTestFailsWhenHealthFails(t *testing.T) {
	t.Setenv("DEMO_FAIL_HEALTH", "1")
	err := Run(context.Background(), []string{"--self-test"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("self-test = %v, want a failure naming 503", err)
	}
}

func TestRunSelfTestHonoursCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, []string{"--self-test"}, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("self-test with a cancelled context = %v, want context.Canceled", err)
	}
}
