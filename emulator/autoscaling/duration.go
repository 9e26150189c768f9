package autoscaling

import (
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
)

// Duration is timing.Duration: text in JSON, a bare number is seconds.
type Duration = timing.Duration

// D returns d as a Duration pointer, for the optional fields of a spec.
func D(d time.Duration) *Duration { return timing.D(d) }
