package docker

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// EnsureNetwork creates the named bridge network unless one of that name
// exists already (whatever its labels).
func (r *Runtime) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	if name == "" {
		return fmt.Errorf("ensure network: the name is empty")
	}
	r.networkMu.Lock()
	defer r.networkMu.Unlock()
	exists, err := r.networkExists(ctx, name)
	if err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = r.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if cerrdefs.IsConflict(err) || cerrdefs.IsAlreadyExists(err) {
		return nil // made meanwhile by another process
	}
	return r.wrap("create network "+name, err)
}

// networkExists looks the name up exactly: the engine's name filter is a
// pattern and inspecting by name also matches id prefixes.
// networkSeenFor is how long a network found to exist is taken to still
// exist. One removed behind cattle's back within it fails the container's
// start instead of its create.
const networkSeenFor = 5 * time.Second

func (r *Runtime) networkExists(ctx context.Context, name string) (bool, error) {
	r.seenMu.Lock()
	seen, ok := r.networkSeen[name]
	r.seenMu.Unlock()
	if ok && time.Since(seen) < networkSeenFor {
		return true, nil
	}
	found, err := r.lookUpNetwork(ctx, name)
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	switch {
	case found:
		if r.networkSeen == nil {
			r.networkSeen = map[string]time.Time{}
		}
		r.networkSeen[name] = time.Now()
	default:
		delete(r.networkSeen, name)
	}
	return found, err
}

func (r *Runtime) lookUpNetwork(ctx context.Context, name string) (bool, error) {
	f := client.Filters{}
	f.Add("name", "^"+regexp.QuoteMeta(name)+"$")
	res, err := r.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return false, r.wrap("look up network "+name, err)
	}
	for _, n := range res.Items {
		if n.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// RemoveNetworks removes every network carrying all the labels. Containers
// must be removed first; a network that is already gone is skipped.
func (r *Runtime) RemoveNetworks(ctx context.Context, labels map[string]string) error {
	if len(labels) == 0 {
		return fmt.Errorf("remove networks: no labels given: refusing to remove every network")
	}
	res, err := r.cli.NetworkList(ctx, client.NetworkListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return r.wrap("list networks", err)
	}
	for _, n := range res.Items {
		r.seenMu.Lock()
		delete(r.networkSeen, n.Name)
		r.seenMu.Unlock()
		_, err := r.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		if err = r.wrap("remove network "+n.Name, err); err != nil && !isNotFound(err) {
			if strings.Contains(err.Error(), "has active endpoints") {
				// Docker 20.10 can keep an endpoint of a container it
				// removed (seen after hundreds of runs and removals).
				return fmt.Errorf("%w; if no container uses it any more, the engine kept a stale endpoint: restart the Docker engine, then remove the network again", err)
			}
			return err
		}
	}
	return nil
}

// ListNetworks returns the networks that carry all the labels.
func (r *Runtime) ListNetworks(ctx context.Context, labels map[string]string) ([]sandbox.Network, error) {
	res, err := r.cli.NetworkList(ctx, client.NetworkListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, r.wrap("list networks", err)
	}
	out := make([]sandbox.Network, 0, len(res.Items))
	for _, n := range res.Items {
		out = append(out, sandbox.Network{ID: n.ID, Name: n.Name, Labels: n.Labels})
	}
	return out, nil
}
