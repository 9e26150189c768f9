package steps

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterExpectation[expectLoadLatency]("load_latency", "load",
		scenarios.Checks("latency"),
		scenarios.Doc("latency percentiles of a load were within the bounds given (p50, p90, p99, p99.9, max; a bound is at most, or at least with >=)",
			"expect: {load: traffic, latency: {p99: 300ms}, since: 4}"))
}

type expectLoadLatency struct {
	loadCheck `yaml:",inline"`
	Latency   map[string]latencyBound `yaml:"latency,required"`
}

// latencyBound is "300ms" or "<= 300ms" (at most), or ">= 300ms" (at
// least: to see that a fault took effect).
type latencyBound struct {
	atLeast bool
	d       time.Duration
}

func (b latencyBound) String() string {
	if b.atLeast {
		return ">= " + b.d.String()
	}
	return "<= " + b.d.String()
}

func (b latencyBound) holds(got time.Duration) bool {
	if b.atLeast {
		return got >= b.d
	}
	return got <= b.d
}

func (b *latencyBound) DecodeYAML(d *scenarios.Decoder, n ast.Node) error {
	s, ok := scenarios.ScalarText(n)
	if !ok {
		return d.Errorf(n, "%s needs a duration like 300ms or \">= 300ms\"", d.Where())
	}
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, ">="):
		b.atLeast, s = true, s[2:]
	case strings.HasPrefix(s, "<="):
		s = s[2:]
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return d.Errorf(n, "%s: %q is not a duration: write it like 300ms, or \">= 300ms\" for a lower bound", d.Where(), s)
	}
	b.d = v
	return nil
}

var percentileKey = regexp.MustCompile(`^p([0-9]{1,2}(\.[0-9]{1,3})?)$`)

func (e *expectLoadLatency) Validate() error {
	if len(e.Latency) == 0 {
		return scenarios.FieldError("latency", "give at least one bound, like {p99: 300ms}")
	}
	for k := range e.Latency {
		if k != "max" && !percentileKey.MatchString(k) {
			return scenarios.FieldError("latency", "%q is not a percentile: use p50, p90, p99, p99.9 or max", k)
		}
	}
	return e.Window.Validate()
}

func percentileOf(key string) float64 {
	if key == "max" {
		return 100
	}
	p, _ := strconv.ParseFloat(strings.TrimPrefix(key, "p"), 64)
	return p
}

func (e *expectLoadLatency) Execute(ctx context.Context, r *scenarios.Run) error {
	recs, err := e.records(r)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(e.Latency))
	for k := range e.Latency {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return percentileOf(keys[i]) < percentileOf(keys[j]) })
	var seen []string
	for _, k := range keys {
		got := loadgen.Percentile(recs, percentileOf(k))
		seen = append(seen, fmt.Sprintf("%s %s", k, loadgen.FormatLatency(got)))
		if !e.Latency[k].holds(got) {
			return fmt.Errorf("load %s%s: %s is %s, want %s (%d requests)", e.Load, e.where(), k, loadgen.FormatLatency(got), e.Latency[k], len(recs))
		}
	}
	r.Notef("load %s%s: %s over %d requests", e.Load, e.where(), strings.Join(seen, ", "), len(recs))
	return nil
}
