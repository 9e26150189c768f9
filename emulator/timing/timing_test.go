package timing

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// settings maps a row of the timing table in docs/semantics.md to what a
// profile holds for it: one or two values (durations, or counts as
// durations of that many nanoseconds).
var settings = map[string]func(Profile) []time.Duration{
	"health check interval / timeout": func(p Profile) []time.Duration { return []time.Duration{p.HealthInterval, p.HealthTimeout} },
	"healthy / unhealthy threshold": func(p Profile) []time.Duration {
		return []time.Duration{time.Duration(p.HealthyThreshold), time.Duration(p.UnhealthyThreshold)}
	},
	"deregistration delay":        func(p Profile) []time.Duration { return []time.Duration{p.DeregistrationDelay} },
	"group grace period":          func(p Profile) []time.Duration { return []time.Duration{p.GracePeriod} },
	"checkpoint delay":            func(p Profile) []time.Duration { return []time.Duration{p.CheckpointDelay} },
	"cooldown":                    func(p Profile) []time.Duration { return []time.Duration{p.Cooldown} },
	"terminated instance visible": func(p Profile) []time.Duration { return []time.Duration{p.TerminatedVisible} },
	"metric period":               func(p Profile) []time.Duration { return []time.Duration{p.MetricPeriod} },
	"drift scan interval":         func(p Profile) []time.Duration { return []time.Duration{p.DriftScanInterval} },
}

// derived are rows whose value is another setting's, which the services
// apply (instance warmup defaults to the grace period), and rows of
// settings other packages own.
var derived = map[string]string{
	"instance warmup": "= grace period",
}

var (
	comment = regexp.MustCompile(`<!--.*?-->|\(.*?\)`)
	amount  = regexp.MustCompile(`^~?\s*([0-9.]+)\s*(ms|s|min|h)?$`)
)

// parseValue reads "30 s", "500 ms", "~1 h", "10 min" or a bare count.
func parseValue(s string) (time.Duration, bool) {
	m := amount.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	unit := map[string]time.Duration{"": 1, "ms": time.Millisecond, "s": time.Second, "min": time.Minute, "h": time.Hour}[m[2]]
	return time.Duration(n * float64(unit)), true
}

// TestProfilesMatchTheSemanticsTable reads the timing table of
// docs/semantics.md and checks both profiles against it value by value.
func TestProfilesMatchTheSemanticsTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/semantics.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "## Timing profiles")
	if !ok {
		t.Fatal("docs/semantics.md has no timing profiles section")
	}
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		cells := strings.Split(strings.Trim(comment.ReplaceAllString(line, ""), " |"), "|")
		if len(cells) != 3 || strings.HasPrefix(cells[0], "---") || strings.TrimSpace(cells[0]) == "setting" {
			continue
		}
		rows++
		name := strings.TrimSpace(cells[0])
		if want, ok := derived[name]; ok {
			if want != "" && (strings.TrimSpace(cells[1]) != want || strings.TrimSpace(cells[2]) != want) {
				t.Errorf("%s: the table says %q / %q, the services apply %q", name, cells[1], cells[2], want)
			}
			continue
		}
		get, ok := settings[name]
		if !ok {
			t.Errorf("timing table row %q is not checked: map it to the profile field that holds it", name)
			continue
		}
		for i, p := range []Profile{AWS(), Fast()} {
			checkCell(t, p.Name+" "+name, cells[i+1], get(p))
		}
	}
	if rows < len(settings)+len(derived) {
		t.Errorf("read %d rows of the timing table, want at least %d", rows, len(settings)+len(derived))
	}
}

func checkCell(t *testing.T, what, cell string, got []time.Duration) {
	t.Helper()
	parts := strings.Split(cell, "/")
	if len(parts) != len(got) {
		t.Errorf("%s: table cell %q has %d values, the profile %d", what, cell, len(parts), len(got))
		return
	}
	for i, part := range parts {
		want, ok := parseValue(part)
		if !ok {
			t.Errorf("%s: cannot read %q", what, part)
			continue
		}
		if got[i] != want {
			t.Errorf("%s: profile has %v, the table %q", what, got[i], strings.TrimSpace(part))
		}
	}
}
