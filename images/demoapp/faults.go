package demoapp

import (
	"fmt"
	"sync"
	"time"
)

// faultSettings are the faults that can be changed at run time.
type faultSettings struct {
	Latency    time.Duration
	ErrorRate  float64
	FailHealth bool
}

func (f faultSettings) String() string {
	return fmt.Sprintf("latency=%s error_rate=%g fail_health=%t", f.Latency, f.ErrorRate, f.FailHealth)
}

// faultState guards the current settings; handlers read them on every
// request while admin requests change them.
type faultState struct {
	mu sync.Mutex
	f  faultSettings
}

func (s *faultState) get() faultSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

// update applies change and returns the settings after it.
func (s *faultState) update(change func(*faultSettings)) faultSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.f)
	return s.f
}
