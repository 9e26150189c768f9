package timing

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// maxSeconds is the longest duration a number of seconds may give: beyond
// it the conversion to nanoseconds would overflow.
const maxSeconds = float64(math.MaxInt64 / int64(time.Second))

// Duration is a time.Duration that reads and writes JSON as text ("2s",
// "1m30s"), so that `-o json` and request bodies read plainly. A bare
// number is taken as seconds, AWS's unit.
type Duration time.Duration

// D returns d as a Duration pointer, for the optional fields of a spec.
func D(d time.Duration) *Duration { x := Duration(d); return &x }

// Std returns the time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "2s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: use a number and a unit, like 30s or 5m", s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("duration %s: use text like \"30s\" or a number of seconds", b)
	}
	if math.Abs(secs) > maxSeconds {
		return fmt.Errorf("duration %s: too long, use at most %d seconds", b, int64(maxSeconds))
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}
