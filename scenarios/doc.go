// Package scenarios is the scenario language: a YAML file that sets up a
// small local cloud, acts on it and checks that it behaved as a real cloud
// would. It holds the parser, the step registry and the state a run hands
// to its steps; the steps themselves live in scenarios/steps (one file
// each), the runner in scenarios/runner, the load generator in
// scenarios/loadgen, and the built-in scenarios in scenarios/builtin.
//
// A step is registered once, in its own file, with its YAML key and a
// typed parameter struct that the parser fills strictly: adding an action
// or an expectation touches no other file.
package scenarios
