//go:build !pending

package steps

import "github.com/cattle-dev/cattle/scenarios"

// Placeholders for the steps whose API is not in this build yet (they are
// written, in files with the `pending` build tag). Scenarios using them
// parse and list; running one says what it waits for. A real step of the
// same name replaces its placeholder, so enabling a file is enough.
func init() {
	scenarios.RegisterPending("scaling_policy", "scaling policies, which are not in this build yet",
		scenarios.Doc("give a group a target tracking policy on requests per instance", "scaling_policy: {group: web, requests_per_instance: 20}"))
}
