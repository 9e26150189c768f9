package demoapp

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvDefaults(t *testing.T) {
	cfg, err := configFromEnv(envMap(nil), fixedHostname)
	if err != nil {
		t.Fatal(err)
	}
	want := config{version: "v1", hostname: "host-1"}
	if cfg != want {
		t.Errorf("config = %+v, want %+v", cfg, want)
	}
}

func TestConfigFromEnvReadsEverySetting(t *testing.T) {
	cfg, err := configFromEnv(envMap(map[string]string{
		"DEMO_VERSION":       "v7",
		"CATTLE_INSTANCE_ID": "i-0123456789abcdef0",
		"CATTLE_ZONE":        "zone-b",
		"DEMO_FAIL_HEALTH":   "1",
		"DEMO_LATENCY":       "200ms",
		"DEMO_ERROR_RATE":    "0.1",
		"DEMO_CRASH_AFTER":   "30s",
	}), fixedHostname)
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		version:    "v7",
		instanceID: "i-0123456789abcdef0",
		hostname:   "host-1",
		zone:       "zone-b",
		faults:     faultSettings{Latency: 200 * time.Millisecond, ErrorRate: 0.1, FailHealth: true},
		crashAfter: 30 * time.Second,
	}
	if cfg != want {
		t.Errorf("config = %+v, want %+v", cfg, want)
	}
}

func TestConfigFromEnvAcceptsOffValues(t *testing.T) {
	cfg, err := configFromEnv(envMap(map[string]string{
		"DEMO_FAIL_HEALTH": "false",
		"DEMO_LATENCY":     "0",
		"DEMO_ERROR_RATE":  "0",
		"DEMO_CRASH_AFTER": "0s",
	}), fixedHostname)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.faults != (faultSettings{}) || cfg.crashAfter != 0 {
		t.Errorf("config = %+v, want no faults", cfg)
	}
}

func TestConfigFromEnvRefusesBadValues(t *testing.T) {
	for name, value := range map[string]string{
		"DEMO_FAIL_HEALTH": "yes please",
		"DEMO_LATENCY":     "200",
		"DEMO_ERROR_RATE":  "10%",
		"DEMO_CRASH_AFTER": "soon",
		"DEMO_VERSION":     "v1\nX-Evil: 1",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := configFromEnv(envMap(map[string]string{name: value}), fixedHostname)
			if err == nil {
				t.Fatalf("%s=%q: no error", name, value)
			}
			msg := err.Error()
			if !strings.Contains(msg, name) || strings.Contains(msg, "\n") {
				t.Errorf("error %q should name %s on one line", msg, name)
			}
		})
	}
}

func TestConfigFromEnvRefusesOutOfRange(t *testing.T) {
	for name, value := range map[string]string{
		"DEMO_LATENCY":     "-1s",
		"DEMO_ERROR_RATE":  "1.5",
		"DEMO_CRASH_AFTER": "-30s",
	} {
		t.Run(name+"="+value, func(t *testing.T) {
			if _, err := configFromEnv(envMap(map[string]string{name: value}), fixedHostname); err == nil {
				t.Fatalf("%s=%q: no error", name, value)
			}
		})
	}
	if _, err := configFromEnv(envMap(map[string]string{"DEMO_ERROR_RATE": "NaN"}), fixedHostname); err == nil {
		t.Error("DEMO_ERROR_RATE=NaN: no error")
	}
}

func TestConfigFromEnvNamesEveryBadValue(t *testing.T) {
	_, err := configFromEnv(envMap(map[string]string{
		"DEMO_LATENCY":    "fast",
		"DEMO_ERROR_RATE": "2",
	}), fixedHostname)
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"DEMO_LATENCY", "DEMO_ERROR_RATE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
