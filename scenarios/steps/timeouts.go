package steps

import "time"

// Defaults for steps that wait, when the scenario names no timeout.
const (
	defaultLaunchTimeout    = 60 * time.Second
	defaultTerminateTimeout = 60 * time.Second
	defaultExecTimeout      = 60 * time.Second
)
