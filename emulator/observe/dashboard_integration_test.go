package observe_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cattle-dev/cattle/internal/testutil"
)

// pageState is what the test reads off the dashboard: the group's strip,
// its refresh and the chart's series.
type pageState struct {
	Updates   int        `json:"updates"`
	Instances []pageInst `json:"instances"`
	Percent   string     `json:"percent"`
	Status    string     `json:"status"`
	Series    []string   `json:"series"`
	Lines     []string   `json:"lines"` // chart series with a point above zero
}

type pageInst struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Colour  string `json:"colour"`
}

const readPage = `(() => {
  const g = document.querySelector('.group[data-group="web"]');
  const insts = g ? [...g.querySelectorAll('.inst')].map(e => ({id: e.dataset.id, version: e.dataset.version,
    colour: getComputedStyle(e).backgroundColor})) : [];
  const r = g && g.querySelector('.refresh');
  const lines = [...document.querySelectorAll('#chart polyline')].filter(p =>
    p.getAttribute('points').split(' ').some(xy => parseFloat(xy.split(',')[1]) < 199)).map(p => p.dataset.series);
  return {updates: parseInt(document.body.dataset.updates || '0', 10), instances: insts,
    percent: r ? r.querySelector('.percent').textContent : '', status: r ? r.dataset.status : '',
    series: [...document.querySelectorAll('#legend [data-series]')].map(e => e.dataset.series), lines};
})()`

// browser is a headless chromium on the dashboard, with its JavaScript
// errors collected.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	shots  string
}

func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func openBrowser(t *testing.T, path string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 720))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx, shots: os.Getenv("CATTLE_ARTIFACTS")}
	if b.shots == "" {
		dir, err := os.MkdirTemp("", "cattle-dashboard-")
		must(t, err, "making a directory for screenshots")
		b.shots = dir
	}
	// Console subscribes now, before the page loads: every uncaught
	// exception, console.error and browser log error (a failed request) of
	// the page is kept.
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				b.fail(m.String() + " at " + m.URL)
			}
		}
	}()
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)), "starting chromium")
	return b
}

func (b *browser) fail(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, msg)
}

func (b *browser) jsErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.errors)
}

func (b *browser) read(t *testing.T) pageState {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	ps, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	must(t, err, "reading the dashboard")
	return ps
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot %s", name)
	path := filepath.Join(b.shots, "dashboard-"+name+".png")
	must(t, os.WriteFile(path, png, 0o644), "writing %s", path)
	t.Logf("screenshot: %s", path)
}

// composition is the strip's versions, "1,1,2".
func composition(ps pageState) string {
	vs := make([]string, 0, len(ps.Instances))
	for _, i := range ps.Instances {
		vs = append(vs, i.Version)
	}
	slices.Sort(vs)
	return strings.Join(vs, ",")
}

func mixed(c string) bool { return strings.Contains(c, "1") && strings.Contains(c, "2") }

func allV2(c string) bool {
	return c == strings.TrimSuffix(strings.Repeat("2,", groupSize), ",")
}

// watchDashboard opens the dashboard in headless chromium, logged in by a
// one-time link as a user's browser would be, while the refresh runs: the
// strip must change colour one instance at a time, the refresh reach 100%,
// and the chart show both versions answering, with no JavaScript error.
func watchDashboard(t *testing.T, st *site, start func()) {
	t.Run("dashboard", func(t *testing.T) {
		path := chromium()
		if path == "" {
			t.Skip("no chromium binary: install Debian's chromium (apt-get install chromium) to run the dashboard's browser test")
		}
		b := openBrowser(t, path)
		login, err := st.s.Client.DashboardLogin(context.Background())
		must(t, err, "minting a dashboard login")
		must(t, chromedp.Do(b.ctx, chromedp.Navigate("http://"+st.api+login.Path)), "opening the dashboard")
		url, err := chromedp.Run(b.ctx, chromedp.Location())
		must(t, err, "reading the page's address")
		if strings.Contains(url, "code=") {
			t.Errorf("the dashboard's address still carries the login code: %s", url)
		}
		testutil.WaitFor(t, "the dashboard to show v1 serving", time.Minute, func() bool {
			ps := b.read(t)
			return composition(ps) == strings.TrimSuffix(strings.Repeat("1,", groupSize), ",") && slices.Contains(ps.Lines, "web:1")
		})
		b.screenshot(t, "before")
		start()
		seen := watchRefresh(t, b)
		b.screenshot(t, "after")
		must(t, chromedp.Do(b.ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))), "phone viewport")
		b.screenshot(t, "phone")
		checkRefreshSeen(t, seen)
		if errs := b.jsErrors(); len(errs) > 0 {
			t.Errorf("the dashboard's JavaScript failed:\n%s", strings.Join(errs, "\n"))
		}
	})
}

// seenRefresh is what the browser showed during the refresh.
type seenRefresh struct {
	compositions []string          // the strip's versions, each change once
	colours      map[string]string // by version
	last         pageState
}

func watchRefresh(t *testing.T, b *browser) seenRefresh {
	t.Helper()
	seen := seenRefresh{colours: map[string]string{}}
	shotMixed := false
	testutil.WaitFor(t, "the dashboard to show the refresh at 100% and both versions on the chart", 3*time.Minute, func() bool {
		ps := b.read(t)
		if ps.Updates == 0 {
			return false
		}
		c := composition(ps)
		if n := len(seen.compositions); n == 0 || seen.compositions[n-1] != c {
			seen.compositions = append(seen.compositions, c)
		}
		for _, i := range ps.Instances {
			seen.colours[i.Version] = i.Colour
		}
		if mixed(c) && slices.Contains(ps.Lines, "web:2") && !shotMixed {
			shotMixed = true
			b.screenshot(t, "during")
		}
		seen.last = ps
		return ps.Percent == "100%" && allV2(c) && slices.Contains(ps.Lines, "web:1") && slices.Contains(ps.Lines, "web:2")
	})
	return seen
}

func checkRefreshSeen(t *testing.T, seen seenRefresh) {
	t.Helper()
	var mixes []string
	for _, c := range seen.compositions {
		if mixed(c) && !slices.Contains(mixes, c) {
			mixes = append(mixes, c)
		}
	}
	t.Logf("the strip went %s", strings.Join(seen.compositions, " -> "))
	if len(seen.compositions) == 0 || strings.Contains(seen.compositions[0], "2") {
		t.Errorf("the strip went %v: want it to start all v1", seen.compositions)
	}
	if len(mixes) < groupSize-1 {
		t.Errorf("the strip showed v1 and v2 together as %v: want the %d steps of a refresh one instance at a time", mixes, groupSize-1)
	}
	if seen.colours["1"] == "" || seen.colours["1"] == seen.colours["2"] {
		t.Errorf("v1 and v2 instances are coloured %q and %q: want two colours", seen.colours["1"], seen.colours["2"])
	}
	if seen.last.Status != "Successful" {
		t.Errorf("the refresh shows %q at 100%%, want Successful", seen.last.Status)
	}
	for _, want := range []string{"web:1", "web:2", "errors"} {
		if !slices.Contains(seen.last.Series, want) {
			t.Errorf("the chart's legend has %v, want %s among them", seen.last.Series, want)
		}
	}
}
