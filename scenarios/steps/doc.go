// Package steps holds the scenario steps, one file each. A file registers
// its step in init() with scenarios.RegisterAction or
// scenarios.RegisterExpectation: its YAML key, its parameter struct (read
// strictly from the file, `yaml` tags naming the keys), an optional
// Validate, and Execute. Nothing else needs to change to add one.
package steps
