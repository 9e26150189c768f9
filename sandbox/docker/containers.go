package docker

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// Create makes a container from spec without starting it. The container
// runs unprivileged on spec.Network with no restart policy (cattle's
// controllers decide what to restart) and its port published on 127.0.0.1 only.
func (r *Runtime) Create(ctx context.Context, spec sandbox.ContainerSpec) (string, error) {
	if spec.Image == "" {
		return "", fmt.Errorf("create container: the spec names no image: set ContainerSpec.Image")
	}
	cfg, host, err := r.containerConfig(spec)
	if err != nil {
		return "", fmt.Errorf("create container from %s: %w", spec.Image, err)
	}
	if spec.Network != "" {
		// The engine would accept the name now and fail only at start,
		// where "not found" would wrongly suggest the container is gone.
		exists, err := r.networkExists(ctx, spec.Network)
		if err != nil {
			return "", err
		}
		if !exists {
			return "", &engineError{
				msg:  fmt.Sprintf("create container from image %s: network %s does not exist: create it first (EnsureNetwork)", spec.Image, spec.Network),
				kind: cerrdefs.ErrNotFound,
			}
		}
	}
	res, err := r.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       spec.Name,
		Config:     cfg,
		HostConfig: host,
	})
	if err != nil {
		return "", r.wrap(fmt.Sprintf("create container from image %s", spec.Image), err)
	}
	return res.ID, nil
}

// containerConfig translates a spec into the engine's two halves.
func (r *Runtime) containerConfig(spec sandbox.ContainerSpec) (*container.Config, *container.HostConfig, error) {
	stopSeconds := int(math.Ceil(r.stopTimeout.Seconds()))
	cfg := &container.Config{
		Image:       spec.Image,
		Entrypoint:  spec.Entrypoint,
		Cmd:         spec.Cmd,
		Env:         spec.Env,
		Labels:      spec.Labels,
		StopSignal:  spec.StopSignal,
		StopTimeout: &stopSeconds,
	}
	host, err := containedHostConfig(spec)
	if err != nil {
		return nil, nil, err
	}
	if spec.Port != 0 {
		port, err := tcpPort(spec.Port)
		if err != nil {
			return nil, nil, err
		}
		if spec.HostPort < 0 || spec.HostPort > 65535 {
			return nil, nil, fmt.Errorf("host port %d is out of range: use 1-65535, or 0 for a free one", spec.HostPort)
		}
		hostPort := ""
		if spec.HostPort > 0 {
			hostPort = strconv.Itoa(spec.HostPort)
		}
		cfg.ExposedPorts = network.PortSet{port: {}}
		host.PortBindings = network.PortMap{port: {{HostIP: loopback, HostPort: hostPort}}}
	}
	return cfg, host, nil
}

// containedHostConfig is the host half of a container: its limits, and the
// containment every container gets whatever the spec says (see
// sandbox.DroppedCapabilities). Nothing here mounts, shares or privileges.
func containedHostConfig(spec sandbox.ContainerSpec) (*container.HostConfig, error) {
	if err := sandbox.CheckNetwork(spec.Network); err != nil {
		return nil, err
	}
	if spec.PidsLimit < 0 {
		return nil, fmt.Errorf("pids limit %d is negative: use 0 for none", spec.PidsLimit)
	}
	capAdd, err := sandbox.NormalizeCapabilities(spec.CapAdd)
	if err != nil {
		return nil, err
	}
	var capDrop []string
	for _, c := range sandbox.DroppedCapabilities {
		if !slices.Contains(capAdd, c) {
			capDrop = append(capDrop, c)
		}
	}
	res := container.Resources{Memory: spec.Memory, NanoCPUs: spec.NanoCPUs}
	if spec.PidsLimit > 0 {
		res.PidsLimit = &spec.PidsLimit
	}
	return &container.HostConfig{
		NetworkMode:   container.NetworkMode(spec.Network),
		IpcMode:       container.IPCModePrivate,
		Privileged:    false,
		SecurityOpt:   []string{"no-new-privileges:true"},
		CapAdd:        capAdd,
		CapDrop:       capDrop,
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
		Resources:     res,
		// json-file keeps Logs working whatever the engine's default driver
		// is, and the cap keeps a chatty instance from filling the disk.
		LogConfig: container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "10m", "max-file": "2"}},
	}, nil
}

// Start starts a created or stopped container.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return r.wrap("start container "+id, err)
}

// Stop sends the container's stop signal and kills it after timeout.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	seconds := int(math.Ceil(timeout.Seconds()))
	_, err := r.cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &seconds})
	return r.wrap("stop container "+id, err)
}

// Kill sends signal ("" is SIGKILL) to the container's main process.
func (r *Runtime) Kill(ctx context.Context, id string, signal string) error {
	if signal == "" {
		signal = "SIGKILL"
	}
	_, err := r.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
	return r.wrap(fmt.Sprintf("send %s to container %s", signal, id), err)
}

// Pause freezes every process in the container.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	_, err := r.cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
	return r.wrap("pause container "+id, err)
}

// Unpause thaws a paused container.
func (r *Runtime) Unpause(ctx context.Context, id string) error {
	_, err := r.cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
	return r.wrap("unpause container "+id, err)
}

// Remove removes a container and its anonymous volumes; force stops a
// running one first. A container that is already gone is not an error.
func (r *Runtime) Remove(ctx context.Context, id string, force bool) error {
	_, err := r.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: force, RemoveVolumes: true})
	if cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress") {
		return nil // someone else is removing it: it will be gone
	}
	if err = r.wrap("remove container "+id, err); isNotFound(err) {
		return nil
	}
	return err
}

// Inspect reports one container; a missing one is errdefs.ErrNotFound.
func (r *Runtime) Inspect(ctx context.Context, id string) (sandbox.Container, error) {
	res, err := r.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return sandbox.Container{}, r.wrap("inspect container "+id, err)
	}
	return containerFromInspect(res.Container), nil
}

// List reports every container, running or not, carrying all the labels.
// Each is inspected so that exit codes and times are as full as Inspect's;
// one removed in between is left out.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]sandbox.Container, error) {
	return r.list(ctx, labels, false)
}

// ListStates is List with one engine call for the running containers:
// their summary in the engine's list says all it gives of them. The
// others are inspected for their exit codes and times. The control plane
// looks every second, at hundreds of containers when a group is large.
func (r *Runtime) ListStates(ctx context.Context, labels map[string]string) ([]sandbox.Container, error) {
	return r.list(ctx, labels, true)
}

// list lists the containers carrying the labels and inspects them, all
// but the running ones when summaries do.
func (r *Runtime) list(ctx context.Context, labels map[string]string, summaries bool) ([]sandbox.Container, error) {
	res, err := r.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilters(labels)})
	if err != nil {
		return nil, r.wrap("list containers", err)
	}
	out := make([]sandbox.Container, 0, len(res.Items))
	for _, item := range res.Items {
		if summaries && item.State == container.StateRunning {
			out = append(out, containerFromSummary(item))
			continue
		}
		c, err := r.Inspect(ctx, item.ID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
