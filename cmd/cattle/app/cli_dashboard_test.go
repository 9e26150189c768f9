package app_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCLIDashboardPrintsAOneTimeLink(t *testing.T) {
	dir := startDaemon(t)
	out := mustCattle(t, dir, "dashboard", "--no-open")
	link := regexp.MustCompile(`http://127\.0\.0\.1:4000/dashboard\?code=[0-9a-f]{32}`)
	if !link.MatchString(out) || !strings.Contains(out, "http://127.0.0.1:4000/metrics") || !strings.Contains(out, "cattle dashboard") {
		t.Fatalf("cattle dashboard printed:\n%s\nwant the one-time link, the metrics address and how to get another link", out)
	}
	var links struct {
		Dashboard string `json:"dashboard"`
		TokenFile string `json:"token_file"`
	}
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "dashboard", "--no-open", "-o", "json")), &links); err != nil {
		t.Fatal(err)
	}
	if links.Dashboard == link.FindString(out) || !link.MatchString(links.Dashboard) {
		t.Errorf("a second link %q: want a new code each time", links.Dashboard)
	}
	if links.TokenFile != filepath.Join(dir, "api-token") {
		t.Errorf("token file %q, want %s", links.TokenFile, filepath.Join(dir, "api-token"))
	}
}
