package lb

import (
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var r latencyRecorder
	if h := r.snapshot(); h.P99() != 0 || h.Mean() != 0 {
		t.Fatalf("empty histogram: p99 %s mean %s, want 0", h.P99(), h.Mean())
	}
	// 1..1000 ms, one sample each: the q-quantile is about q*1000 ms.
	for i := 1; i <= 1000; i++ {
		r.observe(time.Duration(i) * time.Millisecond)
	}
	h := r.snapshot()
	if h.Count != 1000 {
		t.Fatalf("count %d, want 1000", h.Count)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.9, 900 * time.Millisecond}, {0.99, 990 * time.Millisecond}} {
		got := h.Quantile(c.q)
		if got < c.want*85/100 || got > c.want*115/100 {
			t.Errorf("quantile %.2f = %s, want %s within 15%%", c.q, got, c.want)
		}
	}
	if m := h.Mean(); m < 500*time.Millisecond || m > 501*time.Millisecond {
		t.Errorf("mean %s, want 500.5ms", m)
	}
	if h.P50() > h.P90() || h.P90() > h.P99() {
		t.Errorf("quantiles out of order: %s %s %s", h.P50(), h.P90(), h.P99())
	}
}

func TestHistogramExtremes(t *testing.T) {
	var r latencyRecorder
	r.observe(0)
	r.observe(time.Hour) // beyond the last bound: lands in the open bucket
	h := r.snapshot()
	if h.Counts[0] != 1 || h.Counts[len(h.Counts)-1] != 1 {
		t.Fatalf("first and last buckets %d %d, want 1 and 1", h.Counts[0], h.Counts[len(h.Counts)-1])
	}
	if q := h.Quantile(1); q < h.Bounds[len(h.Bounds)-1] {
		t.Errorf("max quantile %s below the last bound %s", q, h.Bounds[len(h.Bounds)-1])
	}
}
