package demoapp

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// errHelpShown says --help printed the usage; Run then returns nil.
var errHelpShown = errors.New("help shown")

type options struct {
	listen   string
	selfTest bool
}

// parseFlags reads the command line. The listen address defaults to
// DEMO_LISTEN, then :PORT, then :8080, so a platform can choose the port
// without changing the image's command.
func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (options, error) {
	var opts options
	fs := pflag.NewFlagSet("demo-app", pflag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&opts.listen, "listen", defaultListen(getenv), "address to serve on (env DEMO_LISTEN, or :$PORT)")
	fs.BoolVar(&opts.selfTest, "self-test", false, "start the app on 127.0.0.1, check /healthz answers 200, and exit")
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() { printUsage(stdout, fs) }
	if err := fs.Parse(args); err != nil {
		return opts, fmt.Errorf("%w (see cattle demo-app --help)", err)
	}
	if *help {
		printUsage(stdout, fs)
		return opts, errHelpShown
	}
	if fs.NArg() > 0 {
		return opts, fmt.Errorf("unexpected argument %q (see cattle demo-app --help)", fs.Arg(0))
	}
	return opts, nil
}

func defaultListen(getenv func(string) string) string {
	if v := getenv("DEMO_LISTEN"); v != "" {
		return v
	}
	if v := getenv("PORT"); v != "" {
		return ":" + v
	}
	return ":8080"
}

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: cattle demo-app [flags]

The workload of the built-in demo image: GET / answers its version and
instance, GET /healthz its health, POST /admin/* turns faults on and off.

Flags:
%s
Environment:
  DEMO_VERSION=v1         the version it reports
  DEMO_FAIL_HEALTH=1      /healthz answers 503
  DEMO_LATENCY=200ms      added to every response of /
  DEMO_ERROR_RATE=0.1     fraction of / requests answered 500
  DEMO_CRASH_AFTER=30s    exit non-zero after this long
  CATTLE_INSTANCE_ID, CATTLE_ZONE are set by the platform.
`, fs.FlagUsages())
}
