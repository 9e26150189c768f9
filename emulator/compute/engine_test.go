package compute

import (
	"errors"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

func TestEngineWatchCountsOnlyTheOutagesAfterAnInstant(t *testing.T) {
	var w engineWatch
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	w.observe(errors.New("no such image"), at(5))
	if w.down() {
		t.Fatal("an error other than unavailable is no outage")
	}
	w.observe(errdefs.Unavailable("engine away"), at(10))
	w.observe(errdefs.Unavailable("engine away"), at(15)) // the same outage
	if !w.down() {
		t.Fatal("an unavailable engine is an outage")
	}
	if got := w.since(at(0), at(25)); got != 15*time.Second {
		t.Fatalf("outage under way: %s, want 15s", got)
	}
	w.answered(at(30))
	w.observe(errdefs.Unavailable("engine away"), at(50))
	w.answered(at(55))
	for _, c := range []struct {
		since, now int
		want       time.Duration
	}{
		{0, 100, 25 * time.Second},
		{20, 100, 15 * time.Second},
		{40, 100, 5 * time.Second},
		{60, 100, 0},
		{0, 52, 22 * time.Second},
	} {
		if got := w.since(at(c.since), at(c.now)); got != c.want {
			t.Errorf("since %ds at %ds: %s, want %s", c.since, c.now, got, c.want)
		}
	}
}
