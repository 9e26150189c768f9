package report

import (
	"math"
	"time"

	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// Bounds of a Series: whatever the rate and the length of a run, it holds
// at most maxBuckets buckets of fixed size, so a report stays small.
const (
	maxBuckets = 600
	// maxVersions versions are told apart; later ones count as "other".
	maxVersions = 8
	// Latency is counted in log-spaced bins from latFloor, each latGrowth
	// times the one before: a percentile is off by at most that factor.
	latBins   = 72
	latFloor  = 50 * time.Microsecond
	latGrowth = 1.25
	// OtherVersion names answers of versions past the first maxVersions,
	// and answers that named no version.
	OtherVersion = "other"
)

// Series sums a load's requests up per time bucket: how many answered by
// version, how many failed, and their latencies in a histogram. It starts
// with buckets of a second; a run longer than maxBuckets of them doubles
// the width (merging neighbours) as often as needed, so memory stays
// bounded whatever the run's length and rate.
type Series struct {
	start    time.Time
	width    time.Duration
	buckets  []bucket
	versions []string
	other    bool
}

type bucket struct {
	requests, errors int
	// byVersion counts good answers by version index; the last slot is
	// OtherVersion.
	byVersion [maxVersions + 1]int
	latency   [latBins]uint32
}

// NewSeries starts a series whose time zero is start.
func NewSeries(start time.Time) *Series {
	return &Series{start: start, width: time.Second}
}

// Add counts one request, by the time it was sent.
func (s *Series) Add(r loadgen.Record) {
	at := max(r.Start.Sub(s.start), 0)
	i := int(at / s.width)
	for i >= maxBuckets {
		s.coarsen()
		i = int(at / s.width)
	}
	for len(s.buckets) <= i {
		s.buckets = append(s.buckets, bucket{})
	}
	b := &s.buckets[i]
	b.requests++
	if r.Latency > 0 || r.Status != 0 {
		b.latency[latBin(r.Latency)]++
	}
	if r.Failed() {
		b.errors++
		return
	}
	b.byVersion[s.versionIndex(r.Version)]++
}

// coarsen doubles the bucket width, merging each pair of buckets.
func (s *Series) coarsen() {
	s.width *= 2
	n := (len(s.buckets) + 1) / 2
	for i := range n {
		b := s.buckets[2*i]
		if 2*i+1 < len(s.buckets) {
			b.merge(&s.buckets[2*i+1])
		}
		s.buckets[i] = b
	}
	clear(s.buckets[n:])
	s.buckets = s.buckets[:n]
}

func (b *bucket) merge(o *bucket) {
	b.requests += o.requests
	b.errors += o.errors
	for i := range b.byVersion {
		b.byVersion[i] += o.byVersion[i]
	}
	for i := range b.latency {
		b.latency[i] += o.latency[i]
	}
}

func (s *Series) versionIndex(v string) int {
	if v == "" {
		s.other = true
		return maxVersions
	}
	for i, known := range s.versions {
		if known == v {
			return i
		}
	}
	if len(s.versions) < maxVersions {
		s.versions = append(s.versions, v)
		return len(s.versions) - 1
	}
	s.other = true
	return maxVersions
}

// latBin is the histogram bin of a latency.
func latBin(d time.Duration) int {
	if d <= latFloor {
		return 0
	}
	i := 1 + int(math.Log(float64(d)/float64(latFloor))/math.Log(latGrowth))
	return min(i, latBins-1)
}

// binUpper is the latency a bin reaches (its upper bound).
func binUpper(i int) time.Duration {
	return time.Duration(float64(latFloor) * math.Pow(latGrowth, float64(i)))
}

// percentile is the p-th percentile (nearest rank) of a bucket's
// latencies, as the upper bound of the bin it falls in.
func (b *bucket) percentile(p float64) time.Duration {
	n := 0
	for _, c := range b.latency {
		n += int(c)
	}
	if n == 0 {
		return 0
	}
	rank := max(int(math.Ceil(p/100*float64(n))), 1)
	seen := 0
	for i, c := range b.latency {
		seen += int(c)
		if seen >= rank {
			return binUpper(i)
		}
	}
	return binUpper(latBins - 1)
}

// Point is one bucket of a series, for a chart.
type Point struct {
	// At is the bucket's start, from the series' time zero.
	At       time.Duration
	Requests int
	Errors   int
	// Versions counts the good answers by version, in Versions() order.
	Versions []int
	P50, P99 time.Duration
}

// Width is the current bucket width.
func (s *Series) Width() time.Duration { return s.width }

// Versions lists the versions told apart, in the order they first
// answered, with OtherVersion last when some answers fell there.
func (s *Series) Versions() []string {
	out := append([]string(nil), s.versions...)
	if s.other {
		out = append(out, OtherVersion)
	}
	return out
}

// Points returns the buckets in time order.
func (s *Series) Points() []Point {
	nv := len(s.versions)
	out := make([]Point, len(s.buckets))
	for i := range s.buckets {
		b := &s.buckets[i]
		p := Point{At: time.Duration(i) * s.width, Requests: b.requests, Errors: b.errors,
			P50: b.percentile(50), P99: b.percentile(99)}
		p.Versions = append(p.Versions, b.byVersion[:nv]...)
		if s.other {
			p.Versions = append(p.Versions, b.byVersion[maxVersions])
		}
		out[i] = p
	}
	return out
}
