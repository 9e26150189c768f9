package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

var sandboxName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// DefaultSandbox is the sandbox used when none is named.
const DefaultSandbox = "default"

// ValidateSandboxName checks a sandbox name: it becomes part of container,
// network and image names.
func ValidateSandboxName(name string) error {
	if !sandboxName.MatchString(name) {
		return fmt.Errorf("sandbox name %q is not valid: use lowercase letters, digits, '-' and '_' (at most 40)", name)
	}
	return nil
}

// StateDir returns where a sandbox keeps its state:
// $XDG_STATE_HOME/cattle/<sandbox>, or ~/.local/state/cattle/<sandbox>.
func StateDir(sandbox string) (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find a state directory: set XDG_STATE_HOME or pass --state-dir")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "cattle", sandbox), nil
}

// Paths are the files of a sandbox's state directory.
type Paths struct {
	Dir    string
	DB     string // the bbolt file
	Socket string // the API's unix socket
	PID    string // the daemon's pid file (JSON: pid and API address)
	Log    string // the background daemon's output
	Token  string // the TCP API's bearer token (mode 0600)
	Owner  string // the name of the sandbox the directory belongs to
	// Registry is the OCI registry's content (blobs, manifests, tags).
	Registry string
	// AWSCredentials is the AWS endpoint's access key and secret (0600).
	AWSCredentials string
}

// PathsIn returns the files of state directory dir.
func PathsIn(dir string) Paths {
	return Paths{
		Dir:            dir,
		DB:             filepath.Join(dir, "state.db"),
		Socket:         filepath.Join(dir, "cattle.sock"),
		PID:            filepath.Join(dir, "daemon.json"),
		Log:            filepath.Join(dir, "daemon.log"),
		Token:          filepath.Join(dir, "api-token"),
		Owner:          filepath.Join(dir, "sandbox"),
		Registry:       filepath.Join(dir, "registry"),
		AWSCredentials: filepath.Join(dir, "aws-credentials.json"),
	}
}
