package runner

// Every step registers itself when its package loads; whoever runs
// scenarios gets all of them.
import _ "github.com/cattle-dev/cattle/scenarios/steps"
