// Package soak holds the daemon's load and soak benchmarks: many API
// clients at once, and a long chaos loop under constant load. They run
// against the real engine only with CATTLE_BENCH=1 (make bench), print
// what they measure and assert correctness, never time.
package soak
