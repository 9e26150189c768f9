// Package sandbox is the boundary between cattle and a container engine.
//
// Everything outside sandbox/<engine> speaks only the Runtime interface, so a
// second engine is a new folder here and no change elsewhere. Objects a
// runtime makes are found again by their labels, never by a side table.
package sandbox

import (
	"context"
	"io"
	"time"
)

// Labels cattle puts on what it makes.
const (
	// LabelSandbox names the sandbox that owns a container, network or image.
	LabelSandbox = "dev.cattle.sandbox"
	// LabelInstance is the instance id (i-...) a container runs.
	LabelInstance = "dev.cattle.instance"
	// LabelConfigHash is the hash of the configuration a container was made
	// from; a different hash means the container drifted and is replaced.
	LabelConfigHash = "dev.cattle.config-hash"
	// LabelRole says what an object is for ("instance", "builtin-image", ...).
	LabelRole = "dev.cattle.role"
	// LabelImageSandbox names the sandbox that made an image. Images do not
	// carry LabelSandbox: a container inherits its image's labels, and one
	// a user runs by hand from a cattle image must not look like cattle's.
	LabelImageSandbox = "dev.cattle.image-sandbox"
	// LabelOwner, on an ephemeral sandbox's network, names the process that
	// owns the sandbox ("PID/BOOT-ID/START-TICKS"): when it is gone, so
	// is the sandbox's reason to exist, and it may be reaped.
	LabelOwner = "dev.cattle.owner"
	// LabelStateDir, on a sandbox's network, is its state directory.
	LabelStateDir = "dev.cattle.state-dir"
)

// Errors a Runtime returns wrap the classes of github.com/containerd/errdefs,
// the ones every layer of cattle uses (test with errors.Is):
//
//   - errdefs.ErrNotFound: a container, image or network does not exist;
//   - errdefs.ErrConflict: an object is in use and cannot be removed (an
//     image with a container running from it), or a name is taken;
//   - errdefs.ErrUnavailable: the engine does not answer.

// ContainerSpec is what a container is created from. A runtime always runs
// it contained (see Containment): there is no field for privileges, host
// mounts or host namespaces, and a runtime refuses a Network that names the
// host's or another container's.
type ContainerSpec struct {
	Name       string            // container name; empty lets the engine choose
	Image      string            // image id (sha256:...) or reference
	Entrypoint []string          // overrides the image's entrypoint when set
	Cmd        []string          // overrides the image's cmd when set
	Env        []string          // KEY=VALUE
	Labels     map[string]string // always includes LabelSandbox
	Network    string            // network name to attach to
	Port       int               // container TCP port published on 127.0.0.1 (0: none)
	HostPort   int               // host port to publish on; 0 picks a free one
	Memory     int64             // bytes; 0 is unlimited
	NanoCPUs   int64             // CPU quota in 1e-9 CPUs; 0 is unlimited
	PidsLimit  int64             // most processes and threads at once; 0 is unlimited
	CapAdd     []string          // capabilities added back, from AddableCapabilities only
	StopSignal string            // default SIGTERM
}

// ContainerState is the engine's view of a container's process.
type ContainerState string

const (
	StateCreated    ContainerState = "created"
	StateRunning    ContainerState = "running"
	StatePaused     ContainerState = "paused"
	StateRestarting ContainerState = "restarting"
	StateRemoving   ContainerState = "removing"
	StateExited     ContainerState = "exited"
	StateDead       ContainerState = "dead"
)

// Container is what the engine reports about one container.
type Container struct {
	ID         string
	Name       string
	ImageID    string // the image id (sha256:...) the container runs
	ImageRef   string // the reference it was created with
	Labels     map[string]string
	State      ContainerState
	ExitCode   int
	HostPort   int // the 127.0.0.1 port its spec Port is published on (0: none)
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	OOMKilled  bool
	// Config is what the container runs with, for comparing it with what
	// it was made from (drift detection).
	Config ContainerConfig
}

// ContainerConfig is the part of a container's configuration that decides
// what it runs, as the engine reports it.
type ContainerConfig struct {
	Env       []string // KEY=VALUE, the image's and the spec's
	Cmd       []string
	Port      int      // the container TCP port published (0: none)
	Memory    int64    // bytes; 0 is unlimited
	NanoCPUs  int64    // 0 is unlimited
	PidsLimit int64    // 0 is unlimited
	Networks  []string // the networks it is attached to, sorted
}

// ChangeKind is how a path in a container's writable layer differs from its image.
type ChangeKind string

const (
	ChangeModified ChangeKind = "Modified"
	ChangeAdded    ChangeKind = "Added"
	ChangeDeleted  ChangeKind = "Deleted"
)

// Change is one path that differs between a container and its image.
type Change struct {
	Path string
	Kind ChangeKind
}

// ExecResult is the outcome of a command run inside a container.
type ExecResult struct {
	ExitCode int
	Output   []byte // stdout and stderr, interleaved
}

// CommitOptions turn a container into an image (a bake's last step).
type CommitOptions struct {
	Ref     string   // repo:tag to tag the result with; may be empty
	Changes []string // Dockerfile instructions: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR
	Labels  map[string]string
	// NoPause leaves the container running while it is copied (by
	// default it is paused, for a consistent copy).
	NoPause bool
}

// Image is what the engine reports about one image.
type Image struct {
	ID   string // sha256:... (the engine's content id)
	Tags []string
	// Digests are the REGISTRY/REPO@sha256:... the image was pushed to or
	// pulled from (the engine's RepoDigests).
	Digests []string
	Labels  map[string]string
	Env     []string // KEY=VALUE the image sets
	Created time.Time
	Size    int64
	// Entrypoint and Cmd are what a container of the image runs by default.
	Entrypoint []string
	Cmd        []string
}

// Event is one engine event about a container that carries a sandbox label.
type Event struct {
	ContainerID string
	Action      string // create, start, die, stop, kill, destroy, pause, unpause, oom, ...
	Labels      map[string]string
	Time        time.Time
}

// ContainerStats is a container's resource use, as `docker stats` shows it.
type ContainerStats struct {
	// CPUPercent is CPU use over the last sampling interval, where 100 is
	// one whole CPU (a container busy on two CPUs shows 200).
	CPUPercent float64
}

// Network is what the engine reports about one network.
type Network struct {
	ID     string
	Name   string
	Labels map[string]string
}

// Info describes the engine.
type Info struct {
	Version    string // engine version, e.g. "28.2.2"
	APIVersion string
	Host       string // the address the runtime talks to
}

// Runtime is the narrow set of operations cattle needs from a container engine.
// Where a method takes labels to match, an object matches when it carries
// every one of them; a label given with an empty value matches any value.
type Runtime interface {
	// Info checks that the engine answers and describes it.
	Info(ctx context.Context) (Info, error)

	// EnsureNetwork creates the named bridge network unless it exists.
	EnsureNetwork(ctx context.Context, name string, labels map[string]string) error
	// RemoveNetworks removes every network that carries all the labels.
	RemoveNetworks(ctx context.Context, labels map[string]string) error
	// ListNetworks returns the networks that carry all the labels.
	ListNetworks(ctx context.Context, labels map[string]string) ([]Network, error)

	Create(ctx context.Context, spec ContainerSpec) (id string, err error)
	Start(ctx context.Context, id string) error
	// Stop sends the stop signal and kills after timeout.
	Stop(ctx context.Context, id string, timeout time.Duration) error
	// Kill sends a signal ("" is SIGKILL) to the container's main process.
	Kill(ctx context.Context, id string, signal string) error
	Pause(ctx context.Context, id string) error
	Unpause(ctx context.Context, id string) error
	// Remove removes a container; force stops a running one first. Removing a
	// container that does not exist is not an error.
	Remove(ctx context.Context, id string, force bool) error
	Inspect(ctx context.Context, id string) (Container, error)
	// List returns every container (running or not) carrying all the labels.
	List(ctx context.Context, labels map[string]string) ([]Container, error)
	// ListStates is List for a frequent look at many containers: of a
	// running one it gives only its id, name, image, labels, state and host
	// port (its Config and times are left empty); the others are as List's.
	ListStates(ctx context.Context, labels map[string]string) ([]Container, error)
	Exec(ctx context.Context, id string, cmd []string) (ExecResult, error)
	// ExecStream is Exec writing the output to w as it comes (stdout and
	// stderr interleaved), for output a person watches.
	ExecStream(ctx context.Context, id string, cmd []string, w io.Writer) (exitCode int, err error)
	// Logs returns the container's stdout and stderr, the last tail lines (0: all).
	Logs(ctx context.Context, id string, tail int) ([]byte, error)
	Changes(ctx context.Context, id string) ([]Change, error)
	// PutFile writes content to path in the container through the
	// engine's archive upload (no shell needed), making missing parent
	// directories. A path that is a directory is errdefs.ErrInvalidArgument.
	PutFile(ctx context.Context, id, path string, content []byte) error
	// DisconnectNetwork detaches a container from a network.
	DisconnectNetwork(ctx context.Context, id, network string) error
	// Rename gives a container another name; a name taken is
	// errdefs.ErrConflict.
	Rename(ctx context.Context, id, name string) error
	// Stats samples a container's resource use; a container that is not
	// running uses none. A missing one is errdefs.ErrNotFound.
	Stats(ctx context.Context, id string) (ContainerStats, error)
	Commit(ctx context.Context, id string, opts CommitOptions) (imageID string, err error)

	// BuildImage builds an image from a tar build context holding a
	// Dockerfile, with no pull, tags it ref and labels it.
	BuildImage(ctx context.Context, buildContext io.Reader, ref string, labels map[string]string) (imageID string, err error)
	InspectImage(ctx context.Context, ref string) (Image, error)
	// ListImages returns the images carrying all the labels.
	ListImages(ctx context.Context, labels map[string]string) ([]Image, error)
	// RemoveImage removes an image by id or reference (forced, untagging all).
	RemoveImage(ctx context.Context, ref string) error
	// ImportImage makes an image of a root filesystem given as a tar
	// stream, labelled, untagged.
	ImportImage(ctx context.Context, rootfs io.Reader, labels map[string]string) (imageID string, err error)
	// CopyToContainer extracts a tar stream into dir of a container (running
	// or not), through the engine's archive API: no shell needed.
	CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error
	// ImageTag gives an image (id or reference) another reference.
	ImageTag(ctx context.Context, source, target string) error
	// ImageUntag removes one reference of an image, never forced: the
	// image stays while another reference or a container holds it.
	ImageUntag(ctx context.Context, ref string) error
	// ImagePush pushes REGISTRY/REPO:TAG to its registry; ImagePull pulls
	// a reference from one. Both wait for the transfer to end.
	ImagePush(ctx context.Context, ref string) error
	ImagePull(ctx context.Context, ref string) error

	// Events streams container events for containers carrying all the
	// labels until ctx ends; the channel is closed then or on error.
	Events(ctx context.Context, labels map[string]string) (<-chan Event, error)

	Close() error
}
