// Package docker implements sandbox.Runtime on the Docker Engine API.
//
// It is the only package in cattle that imports the Docker client. Every
// object it makes is found again by labels; it keeps no state of its own
// beyond the client connection.
package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// Runtime talks to one Docker engine. It is safe for concurrent use.
type Runtime struct {
	cli         *client.Client
	stopTimeout time.Duration

	// networkMu serialises EnsureNetwork: engines before API 1.44 accept two
	// networks of the same name, and this client no longer asks them not to.
	networkMu sync.Mutex

	// seenMu guards networkSeen: when each network was last found to
	// exist, so that a burst of creates looks it up once.
	seenMu      sync.Mutex
	networkSeen map[string]time.Time
}

var _ sandbox.Runtime = (*Runtime)(nil)

// Option configures a Runtime.
type Option func(*config)

type config struct {
	host string
}

// WithHost talks to the engine at host (e.g. unix:///var/run/docker.sock or
// tcp://127.0.0.1:2375) instead of the one DOCKER_HOST or the default names.
func WithHost(host string) Option {
	return func(c *config) { c.host = host }
}

// defaultStopTimeout is how long the engine waits after the stop signal
// before it kills a container stopped without an explicit timeout.
const defaultStopTimeout = 10 * time.Second

// defaultInfoTimeout bounds Info when the caller gave no deadline, so a
// silent TCP address fails in one line instead of hanging.
const defaultInfoTimeout = 15 * time.Second

// New makes a Runtime from the usual environment (DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY) and options.
// The API version is negotiated with the engine on first use. New does not
// contact the engine; call Info to check that it answers.
func New(opts ...Option) (*Runtime, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	clientOpts := []client.Opt{client.FromEnv}
	if cfg.host != "" {
		clientOpts = append(clientOpts, client.WithHost(cfg.host))
	}
	cli, err := client.New(clientOpts...)
	if err != nil {
		host := cfg.host
		if host == "" {
			host = "DOCKER_HOST"
		}
		return nil, &engineError{
			msg:   fmt.Sprintf("cannot use Docker engine address %s: %v; set DOCKER_HOST to an address like unix:///var/run/docker.sock", host, err),
			kind:  cerrdefs.ErrUnavailable,
			cause: err,
		}
	}
	return &Runtime{cli: cli, stopTimeout: defaultStopTimeout}, nil
}

func (r *Runtime) host() string { return r.cli.DaemonHost() }

// Info pings the engine (negotiating the API version) and describes it.
func (r *Runtime) Info(ctx context.Context) (sandbox.Info, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultInfoTimeout)
		defer cancel()
	}
	if err := r.ping(ctx); err != nil {
		return sandbox.Info{}, err
	}
	v, err := r.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return sandbox.Info{}, r.wrap("read the Docker engine version", err)
	}
	return sandbox.Info{Version: v.Version, APIVersion: r.cli.ClientVersion(), Host: r.host()}, nil
}

// ping checks that the engine answers. No answer (or none in time) is
// errdefs.ErrUnavailable naming the address; so is an answer that is not a
// usable Docker engine, since no command can go on either way.
func (r *Runtime) ping(ctx context.Context) error {
	_, err := r.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("ping the Docker engine at %s: %w", r.host(), err)
	case client.IsErrConnectionFailed(err) || errors.Is(err, context.DeadlineExceeded):
		return unavailable(r.host(), err)
	default:
		return &engineError{
			msg:   fmt.Sprintf("the Docker engine at %s does not work: %v: check DOCKER_HOST and the engine's logs", r.host(), err),
			kind:  cerrdefs.ErrUnavailable,
			cause: err,
		}
	}
}

// Close releases the client's connections.
func (r *Runtime) Close() error { return r.cli.Close() }
