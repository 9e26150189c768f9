// Package fidelity keeps the rule index honest: every rule of
// docs/semantics.md (how AWS behaves) has a row in docs/fidelity.md, and
// every row names a test or built-in scenario that exists, or says plainly
// that cattle does not model the rule (or that its test is pending).
//
// The package holds only its tests; it reads the docs and the source
// tree as files and imports nothing of cattle's.
package fidelity
