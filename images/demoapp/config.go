package demoapp

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// config is what the app is started with; it never changes afterwards.
type config struct {
	version    string
	instanceID string
	hostname   string
	zone       string
	faults     faultSettings // the faults at start; admin endpoints change a copy
	crashAfter time.Duration // 0: never
}

// configFromEnv reads the environment. A bad value is an error, not a
// default: a deliberately broken version should be broken on purpose, not
// by a typo.
func configFromEnv(getenv func(string) string, hostname func() (string, error)) (config, error) {
	cfg := config{
		version:    getenv("DEMO_VERSION"),
		instanceID: getenv("CATTLE_INSTANCE_ID"),
		zone:       getenv("CATTLE_ZONE"),
	}
	if cfg.version == "" {
		cfg.version = "v1"
	}
	var problems []string
	bad := func(name, why string) {
		problems = append(problems, fmt.Sprintf("%s=%q: %s", name, getenv(name), why))
	}
	if strings.ContainsFunc(cfg.version, isControl) {
		bad("DEMO_VERSION", "has control characters")
	}
	if v := getenv("DEMO_FAIL_HEALTH"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("DEMO_FAIL_HEALTH", "want 1 or 0 (true or false)")
		}
		cfg.faults.FailHealth = b
	}
	if v := getenv("DEMO_LATENCY"); v != "" {
		d, err := parseLatency(v)
		if err != nil {
			bad("DEMO_LATENCY", err.Error())
		}
		cfg.faults.Latency = d
	}
	if v := getenv("DEMO_ERROR_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err == nil {
			err = checkErrorRate(r)
		} else {
			err = fmt.Errorf("not a number; %w", errBadRate)
		}
		if err != nil {
			bad("DEMO_ERROR_RATE", err.Error())
		}
		cfg.faults.ErrorRate = r
	}
	if v := getenv("DEMO_CRASH_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad("DEMO_CRASH_AFTER", "not a duration like 30s")
		case d < 0:
			bad("DEMO_CRASH_AFTER", "must not be negative (0 never crashes)")
		}
		cfg.crashAfter = d
	}
	if len(problems) > 0 {
		return config{}, fmt.Errorf("refusing to start, bad environment: %s", strings.Join(problems, "; "))
	}
	h, err := hostname()
	if err != nil {
		return config{}, fmt.Errorf("reading hostname: %w", err)
	}
	cfg.hostname = h
	return cfg, nil
}

var errBadRate = errors.New("want a fraction from 0 to 1, like 0.1")

func checkErrorRate(r float64) error {
	if math.IsNaN(r) || r < 0 || r > 1 {
		return errBadRate
	}
	return nil
}

// parseLatency reads a duration like 200ms; "0" clears the latency.
func parseLatency(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration like 200ms")
	}
	if d < 0 {
		return 0, errors.New("must not be negative (0 clears it)")
	}
	return d, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
