package scenarios_test

import (
	"testing"

	"github.com/cattle-dev/cattle/scenarios"
)

func BenchmarkParseTour(b *testing.B) {
	src, _ := scenarios.LookupBuiltin("tour")
	for b.Loop() {
		if _, err := scenarios.Parse("tour.yaml", src.Source); err != nil {
			b.Fatal(err)
		}
	}
}
