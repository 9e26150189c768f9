package runner

import (
	"bytes"
	"context"
	"image/color"
	imgpng "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// checkTourReport writes the tour's HTML report and SVG chart, and checks
// what a reader opening them offline would look for: the steps, both
// versions answering in the chart, the broken v3 refresh rolled back, and
// the killed instance replaced. CATTLE_REPORT_DIR keeps them.
func checkTourReport(t *testing.T, res *Result) {
	t.Helper()
	dir := os.Getenv("CATTLE_REPORT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	page, svg := filepath.Join(dir, "tour.html"), filepath.Join(dir, "tour.svg")
	if err := WriteFile(page, res, WriteHTML); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(svg, res, WriteSVG); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	text := checkOffline(t, data)
	victim := res.Saved["victim"]
	if len(victim) != 1 {
		t.Fatalf("the tour saved no victim: %v", res.Saved)
	}
	for _, want := range []string{
		"PASS", "scenario tour", "the herd is up", "rolling update to v2", "broken v3", "an instance dies", "a hotfix by hand",
		`data-version="v1"`, `data-version="v2"`, `data-series="errors"`,
		`class="phase" data-outcome="Successful" data-step="rolling update to v2"`,
		`class="phase" data-outcome="RollbackSuccessful" data-step="broken v3"`,
		"refresh RollbackSuccessful: broken v3 (web:2 -&gt; web:3)", "rollback: rolling back to web:2",
		"injected by step 21: an instance dies", victim[0] + " replaced by i-",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the tour's report lacks %q", want)
		}
	}
	if strings.Contains(text, `data-version="v3"`) {
		t.Error("the chart shows v3 answering: the tour's v3 never takes traffic")
	}
	data, err = os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-version="v1"`, `data-version="v2"`, victim[0] + " replaced by i-"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the tour's SVG chart lacks %q", want)
		}
	}
	openInBrowser(t, page, filepath.Join(dir, "tour.png"))
	t.Logf("report of the tour: %s (%d bytes), chart %s", page, len(text), svg)
}

// openInBrowser opens a page in headless chromium, where there is one,
// with every network request sent to a dead proxy: its screenshot must be
// more than a blank page.
func openInBrowser(t *testing.T, page, png string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Logf("no chromium: the report is not opened in a browser (%v)", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,2000"}
	if out, err := exec.CommandContext(ctx, bin, append(args, "--screenshot="+png, "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := imgpng.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot: %v", err)
	}
	colours := map[color.RGBA]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			colours[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("the screenshot %s has %d colours: a blank page?", png, len(colours))
	}
}

// checkOffline parses a page as HTML and fails on anything it would fetch:
// a script, a stylesheet or image link, a src or href off the page, an
// @import or url().
func checkOffline(t *testing.T, page []byte) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("the report does not parse as HTML: %v", err)
	}
	elements := 0
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		elements++
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed":
			t.Errorf("the report has a <%s>", n.Data)
		}
		for _, a := range n.Attr {
			if (a.Key == "src" || a.Key == "href" || a.Key == "xlink:href") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q> reaches outside the report", n.Data, a.Key, a.Val)
			}
		}
	}
	text := string(page)
	for _, bad := range []string{"@import", "url(", `src="http`, `href="http`} {
		if strings.Contains(text, bad) {
			t.Errorf("the report has %q", bad)
		}
	}
	if elements < 100 {
		t.Errorf("the report has %d elements: not much of a page", elements)
	}
	return text
}
