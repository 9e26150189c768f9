// Package housecheck holds the tests that keep cattle's source in shape:
// every function under 80 lines, and the dependency rules below.
//
// # Layers
//
// cattle's packages form layers; a package imports only from its own layer
// or the ones under it:
//
//	cattletest the public package for users' integration tests: a sandbox
//	           in the test's process, its client, scenarios; nothing of
//	           cattle's imports it (its own tests and examples aside)
//	cmd        the cattle binary and its CLI (cmd/cattle, cmd/cattle/app)
//	scenarios  the scenario language, its steps, runner and load generator
//	emulator   the daemon: its HTTP API and the compute, autoscaling and
//	           load balancing services, over one state file
//	images     the built-in images (images, images/demoapp)
//	lb sandbox store
//	           the bases: the HTTP/1.1 load balancer engine, the container
//	           runtime (sandbox, with the Docker engine in sandbox/docker),
//	           and the bbolt state file
//
// # Rules
//
//   - lb, sandbox and store import nothing of cattle's outside their own
//     tree (sandbox/docker imports sandbox), except a leaf error package.
//   - A leaf error package is one whose import path ends in "errdefs" and
//     that imports nothing of cattle's; any layer may import it.
//   - Only sandbox/docker imports the Docker client (github.com/moby/moby/...).
//   - images does not import emulator; emulator imports neither scenarios
//     nor cmd.
//   - scenarios/loadgen does not depend on the lb engine: the one header
//     both speak is in the leaf lb/lbheader.
//   - Nothing outside cmd imports cmd, tests included: the CLI's tests live
//     with the CLI.
//   - cattletest ranks above cmd: no package of cattle's imports it, only
//     tests (users' and its own).
//   - internal/... are leaves: each imports nothing of cattle's outside its
//     own internal/X tree (internal/licenses/gen imports internal/licenses).
//     Any layer may import a leaf (internal/version, internal/errdefs), but
//     internal/testutil is test tooling: only tests and test-support
//     packages (emulatortest, sandboxtest) import it.
//   - Tests may import higher layers as tools (an emulator test drives load
//     with scenarios/loadgen), but never cmd, and the bases' tests keep to
//     their own tree, leaf error packages and internal/....
//
// TestDependencyRules enforces these with `go list -json ./...`; a new
// top-level package fails it until it is given a layer here and in layers.
package housecheck
