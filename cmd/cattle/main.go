// Command cattle is a local cloud for immutable deploys.
package main

import (
	"os"

	"github.com/cattle-dev/cattle/cmd/cattle/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], app.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
