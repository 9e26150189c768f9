package demoapp_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/cattle-dev/cattle/internal/testutil"
)

// The demo app as a user meets it: `cattle demo-app` in a process of its
// own, its exit code, its streams, its answer to SIGTERM.

func demoAppCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testutil.CattleBinary(t), append([]string{"demo-app"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = t.TempDir() // it must write nothing; an empty folder shows it
	return cmd
}

// cleanEnv drops DEMO_* settings the caller's shell may carry.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DEMO_") && !strings.HasPrefix(kv, "PORT=") {
			env = append(env, kv)
		}
	}
	return env
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestIntegrationDemoAppSelfTest(t *testing.T) {
	testutil.SkipIfShort(t)
	out, err := demoAppCmd(t, []string{"DEMO_VERSION=v2"}, "--self-test").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "self-test ok") {
		t.Errorf("self-test: %v\n%s", err, out)
	}
	out, err = demoAppCmd(t, []string{"DEMO_FAIL_HEALTH=1"}, "--self-test").CombinedOutput()
	if exitCode(err) == 0 {
		t.Errorf("self-test with DEMO_FAIL_HEALTH=1 exited 0:\n%s", out)
	}
}

func TestIntegrationDemoAppRefusesBadEnvironment(t *testing.T) {
	testutil.SkipIfShort(t)
	cmd := demoAppCmd(t, []string{"DEMO_LATENCY=200"}, "--listen", "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitCode(err) == 0 {
		t.Fatalf("started with DEMO_LATENCY=200 (no unit)")
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `DEMO_LATENCY="200"`) {
		t.Errorf("stderr = %q, want one line naming DEMO_LATENCY=\"200\"", stderr.String())
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Errorf("it listened anyway: %s", stdout.String())
	}
}

var listeningLine = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// startDemoApp starts the app on a free loopback port and returns its URL.
func startDemoApp(t *testing.T, env ...string) (*exec.Cmd, string, <-chan error) {
	t.Helper()
	cmd := demoAppCmd(t, env, "--listen", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := bufio.NewScanner(stdout)
	var addr string
	for addr == "" && lines.Scan() {
		if m := listeningLine.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	go func() {
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	if addr == "" {
		t.Fatalf("demo-app never said where it listens: %v", <-exited)
	}
	return cmd, "http://" + addr, exited
}

func TestIntegrationDemoAppStopsCleanOnSIGTERM(t *testing.T) {
	testutil.SkipIfShort(t)
	cmd, base, exited := startDemoApp(t, "DEMO_VERSION=v3")
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Demo-Version") != "v3" {
		t.Errorf("GET / = %d, X-Demo-Version %q", resp.StatusCode, resp.Header.Get("X-Demo-Version"))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}
	if entries, _ := os.ReadDir(cmd.Dir); len(entries) != 0 {
		t.Errorf("it wrote %d files into its working folder", len(entries))
	}
}

func TestIntegrationDemoAppAdminCrashExitsNonZero(t *testing.T) {
	testutil.SkipIfShort(t)
	_, base, exited := startDemoApp(t)
	resp, err := http.Post(base+"/admin/crash", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST /admin/crash = %d, want 202", resp.StatusCode)
	}
	if code := exitCode(<-exited); code <= 0 {
		t.Errorf("exit code after /admin/crash = %d, want non-zero", code)
	}
}
