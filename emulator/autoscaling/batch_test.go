package autoscaling

import (
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
)

func TestReplacementLimitsRoundAsAWS(t *testing.T) {
	cases := []struct {
		desired, minPct, maxPct int
		minHealthy, maxTotal    int
		why                     string
	}{
		{4, 50, 100, 2, 4, "50% of 4 is exactly 2: two at a time"},
		{4, 90, 100, 3, 4, "90% of 4 is 3.6, rounded up to 4, leaves no room: one at a time"},
		{10, 90, 100, 9, 10, "90% of 10 is 9: one at a time"},
		{3, 66, 100, 2, 3, "66% of 3 is 1.98, rounded up to 2"},
		{4, 0, 100, 0, 4, "0% replaces all at once"},
		{1, 90, 100, 0, 1, "a group of one is replaced by terminating first"},
		{4, 100, 150, 4, 6, "launch 2 before terminating"},
		{3, 100, 150, 3, 4, "150% of 3 is 4.5, rounded down to 4"},
		{4, 100, 110, 4, 5, "110% of 4 is 4.4, rounded down to 4, leaves no room: one extra"},
		{5, 90, 120, 5, 6, "90% of 5 is 4.5, rounded up to 5; 120% of 5 is 6"},
		{4, 50, 150, 2, 6, "two out and two extra: four at a time"},
		{0, 90, 100, 0, 0, "an empty group"},
	}
	for _, c := range cases {
		got := replacementLimits(c.desired, c.minPct, c.maxPct)
		if got.minHealthy != c.minHealthy || got.maxTotal != c.maxTotal {
			t.Errorf("desired %d, min %d%%, max %d%%: got min healthy %d, max total %d; want %d, %d (%s)",
				c.desired, c.minPct, c.maxPct, got.minHealthy, got.maxTotal, c.minHealthy, c.maxTotal, c.why)
		}
		if c.desired > 0 && got.maxTotal-got.minHealthy < 1 {
			t.Errorf("desired %d, min %d%%, max %d%%: no room to replace anything", c.desired, c.minPct, c.maxPct)
		}
	}
}

func TestCheckpointCountRoundsUp(t *testing.T) {
	for _, c := range []struct{ total, pct, want int }{{4, 50, 2}, {3, 50, 2}, {10, 33, 4}, {4, 100, 4}, {0, 50, 0}} {
		if got := checkpointCount(c.total, c.pct); got != c.want {
			t.Errorf("checkpointCount(%d, %d) = %d, want %d", c.total, c.pct, got, c.want)
		}
	}
}

func TestHealthAllowanceCoversTheChecks(t *testing.T) {
	for _, p := range []timing.Profile{timing.Fast(), timing.AWS()} {
		least := time.Duration(p.HealthyThreshold) * p.HealthInterval
		if got := HealthAllowance(p); got <= least {
			t.Errorf("%s: allowance %s is not more than the %s the checks need at best", p.Name, got, least)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var d Duration
	for in, want := range map[string]time.Duration{`"1m30s"`: 90 * time.Second, `2`: 2 * time.Second, `"500ms"`: 500 * time.Millisecond} {
		if err := d.UnmarshalJSON([]byte(in)); err != nil || d.Std() != want {
			t.Errorf("unmarshal %s = %s, %v; want %s", in, d, err, want)
		}
	}
	if err := d.UnmarshalJSON([]byte(`"soon"`)); err == nil {
		t.Error(`"soon" should not parse as a duration`)
	}
	if b, _ := Duration(5 * time.Second).MarshalJSON(); string(b) != `"5s"` {
		t.Errorf("marshal 5s = %s", b)
	}
}
