package lb

import (
	"math"
	"slices"
	"sort"
	"sync/atomic"
	"time"
)

// latencyBounds are the histogram's bucket upper bounds: four buckets per
// doubling from 100µs to about 13s, so a quantile is within ~19%.
const numBounds = 69

var latencyBounds = func() []time.Duration {
	var b []time.Duration
	for i := range numBounds {
		b = append(b, time.Duration(float64(100*time.Microsecond)*math.Pow(2, float64(i)/4)))
	}
	return b
}()

// Histogram is a snapshot of request latencies in fixed buckets.
type Histogram struct {
	Bounds []time.Duration // upper bound of each bucket but the last
	Counts []int64         // len(Bounds)+1; the last bucket is above every bound
	Count  int64
	Sum    time.Duration
}

// Quantile estimates the q-quantile (0..1), interpolating within a bucket.
// It is 0 when there are no samples.
func (h Histogram) Quantile(q float64) time.Duration {
	if h.Count == 0 || len(h.Counts) == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(h.Count)
	var seen float64
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			lo, hi := h.bucketRange(i)
			frac := (rank - seen) / float64(c)
			return lo + time.Duration(frac*float64(hi-lo))
		}
		seen += float64(c)
	}
	_, hi := h.bucketRange(len(h.Counts) - 1)
	return hi
}

func (h Histogram) bucketRange(i int) (lo, hi time.Duration) {
	if i > 0 {
		lo = h.Bounds[i-1]
	}
	if i < len(h.Bounds) {
		return lo, h.Bounds[i]
	}
	return lo, lo * 2 // the open bucket: a guess rather than infinity
}

// P50, P90 and P99 are the usual quantiles.
func (h Histogram) P50() time.Duration { return h.Quantile(0.50) }
func (h Histogram) P90() time.Duration { return h.Quantile(0.90) }
func (h Histogram) P99() time.Duration { return h.Quantile(0.99) }

// Mean is the average latency, 0 with no samples.
func (h Histogram) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Count)
}

// latencyRecorder is the live, lock-free side of Histogram.
type latencyRecorder struct {
	counts [numBounds + 1]atomic.Int64
	sum    atomic.Int64
}

func (r *latencyRecorder) observe(d time.Duration) {
	i := sort.Search(len(latencyBounds), func(i int) bool { return latencyBounds[i] >= d })
	r.counts[i].Add(1)
	r.sum.Add(int64(d))
}

func (r *latencyRecorder) snapshot() Histogram {
	h := Histogram{Bounds: slices.Clone(latencyBounds), Counts: make([]int64, len(r.counts))}
	for i := range r.counts {
		h.Counts[i] = r.counts[i].Load()
		h.Count += h.Counts[i]
	}
	h.Sum = time.Duration(r.sum.Load())
	return h
}
