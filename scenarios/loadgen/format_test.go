package loadgen

import (
	"testing"
	"time"
)

func TestFormatLatencyKeepsSubMillisecondAnswers(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0ms", 400 * time.Microsecond: "0.4ms", 3250 * time.Microsecond: "3.2ms",
		12 * time.Millisecond: "12ms", 1250 * time.Millisecond: "1.25s", 90 * time.Second: "1m30s",
	} {
		if got := FormatLatency(d); got != want {
			t.Errorf("%s: got %s, want %s", d, got, want)
		}
	}
}
