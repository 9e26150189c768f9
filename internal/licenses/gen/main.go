// Command gen writes THIRD_PARTY_NOTICES.md for the cattle binary:
// go run ./internal/licenses/gen > THIRD_PARTY_NOTICES.md
package main

import (
	"fmt"
	"os"

	"github.com/cattle-dev/cattle/internal/licenses"
)

func main() {
	mods, err := licenses.Bundled(".", "./cmd/cattle")
	if err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
	os.Stdout.Write(licenses.Notices(mods))
}
