package testutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Bench is one measurement of a benchmark: cattle's figure against the
// plain baseline's, measured in the same run, and their ratio.
type Bench struct {
	Name     string  `json:"name"`
	Ratio    float64 `json:"ratio"`
	Cattle   float64 `json:"cattle"`
	Baseline float64 `json:"baseline"`
	// Unit of the two raw figures (seconds, requests/s, ...).
	Unit string `json:"unit"`
	// Better is which way the ratio improves: "lower" (times) or "higher"
	// (throughput).
	Better string `json:"better"`
	// Target is the ratio the project aims at (0: none).
	Target float64 `json:"target,omitempty"`
	// BaselineName says what the baseline is ("docker run -d", "nginx").
	BaselineName string    `json:"baseline_name"`
	Cores        int       `json:"cores"`
	Engine       string    `json:"engine"`
	At           time.Time `json:"at"`
}

// BenchSeconds is a Bench of two durations (lower is better).
func BenchSeconds(name, baselineName string, cattle, baseline time.Duration, target float64) Bench {
	return Bench{Name: name, BaselineName: baselineName, Cattle: cattle.Seconds(), Baseline: baseline.Seconds(),
		Ratio: cattle.Seconds() / baseline.Seconds(), Unit: "seconds", Better: "lower", Target: target}
}

// RecordBench prints b and, when CATTLE_BENCH_REPORT names a file, puts it
// there (a JSON array, one entry per name: a new run replaces the old
// entry), so that `make bench` leaves the latest figures to compare with.
func RecordBench(t testing.TB, b Bench) {
	t.Helper()
	b.Cores, b.Engine, b.At = runtime.NumCPU(), engineVersion(), time.Now().UTC().Truncate(time.Second)
	t.Logf("BENCH %s: %.2fx %s (cattle %.3g, %s %.3g %s; target %.2fx)", b.Name, b.Ratio, b.BaselineName,
		b.Cattle, b.BaselineName, b.Baseline, b.Unit, b.Target)
	path := os.Getenv("CATTLE_BENCH_REPORT")
	if path == "" {
		return
	}
	if err := writeBench(path, b); err != nil {
		t.Errorf("bench report %s: %v", path, err)
	}
}

func writeBench(path string, b Bench) error {
	var all []Bench
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &all); err != nil {
			return fmt.Errorf("not a bench report (%v): remove it", err)
		}
	}
	kept := all[:0]
	for _, old := range all {
		if old.Name != b.Name {
			kept = append(kept, old)
		}
	}
	out, err := json.MarshalIndent(append(kept, b), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

func engineVersion() string {
	out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
