package loadgen

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Record is one request and its answer.
type Record struct {
	Seq      uint64        `json:"seq"`
	Start    time.Time     `json:"start"`
	Latency  time.Duration `json:"latency_ns"`
	Status   int           `json:"status"`          // 0: no answer
	Error    string        `json:"error,omitempty"` // why there was no answer
	Instance string        `json:"instance,omitempty"`
	Version  string        `json:"version,omitempty"`
}

// Failed reports an error: no answer, or a status outside 200-399.
func (r Record) Failed() bool { return r.Status < 200 || r.Status >= 400 }

// Outcome is the status code as text, or "no answer".
func (r Record) Outcome() string {
	if r.Status == 0 {
		return "no answer"
	}
	return strconv.Itoa(r.Status)
}

// Between returns the records of requests started in [from, to); a zero
// bound is open.
func Between(recs []Record, from, to time.Time) []Record {
	var out []Record
	for _, r := range recs {
		if !from.IsZero() && r.Start.Before(from) {
			continue
		}
		if !to.IsZero() && !r.Start.Before(to) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Percentile returns the p-th percentile latency (nearest rank), p in (0, 100].
func Percentile(recs []Record, p float64) time.Duration {
	return percentileOf(sortedLatencies(recs), p)
}

// sortedLatencies returns the records' latencies in ascending order.
func sortedLatencies(recs []Record) []time.Duration {
	lat := make([]time.Duration, len(recs))
	for i, r := range recs {
		lat[i] = r.Latency
	}
	slices.Sort(lat)
	return lat
}

// percentileOf is the p-th percentile (nearest rank) of sorted latencies.
func percentileOf(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(lat))))
	rank = min(max(rank, 1), len(lat))
	return lat[rank-1]
}

// Summary sums up records.
type Summary struct {
	Requests  int            `json:"requests"`
	Errors    int            `json:"errors"`
	ErrorRate float64        `json:"error_rate"`
	Outcomes  map[string]int `json:"outcomes"`            // "200", "502", "no answer"
	Versions  map[string]int `json:"versions,omitempty"`  // answers by X-Demo-Version
	Instances map[string]int `json:"instances,omitempty"` // answers by instance
	P50       time.Duration  `json:"p50_ns"`
	P90       time.Duration  `json:"p90_ns"`
	P99       time.Duration  `json:"p99_ns"`
	Max       time.Duration  `json:"max_ns"`
	First     time.Time      `json:"first,omitempty"`
	Last      time.Time      `json:"last,omitempty"`
	// FirstError is the first failed request, as evidence.
	FirstError *Record `json:"first_error,omitempty"`
}

// Summarize sums records up.
func Summarize(recs []Record) Summary {
	s := Summary{Requests: len(recs), Outcomes: map[string]int{}, Versions: map[string]int{}, Instances: map[string]int{}}
	for i, r := range recs {
		s.Outcomes[r.Outcome()]++
		if r.Version != "" {
			s.Versions[r.Version]++
		}
		if r.Instance != "" {
			s.Instances[r.Instance]++
		}
		if r.Failed() {
			s.Errors++
			if s.FirstError == nil {
				s.FirstError = &recs[i]
			}
		}
		if s.First.IsZero() || r.Start.Before(s.First) {
			s.First = r.Start
		}
		if r.Start.After(s.Last) {
			s.Last = r.Start
		}
		s.Max = max(s.Max, r.Latency)
	}
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	// Sorted once: a live view summarizes every few hundred milliseconds.
	lat := sortedLatencies(recs)
	s.P50, s.P90, s.P99 = percentileOf(lat, 50), percentileOf(lat, 90), percentileOf(lat, 99)
	return s
}

// String is the summary in a line, for evidence.
func (s Summary) String() string {
	return fmt.Sprintf("%d requests, %d errors (%.2f%%), outcomes %v, versions %v, p50 %s p99 %s",
		s.Requests, s.Errors, 100*s.ErrorRate, SortedCounts(s.Outcomes), SortedCounts(s.Versions),
		FormatLatency(s.P50), FormatLatency(s.P99))
}

// SortedCounts renders counts as "a=3 b=1", largest first.
func SortedCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := "["
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s=%d", k, m[k])
	}
	return out + "]"
}

// FormatLatency renders a latency with units that keep its size readable:
// 0.4ms, 12ms, 1.25s; never "0s" for an answer under a millisecond.
func FormatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0ms"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatInt(int64(d.Round(time.Millisecond)/time.Millisecond), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return d.Round(time.Second).String()
}
