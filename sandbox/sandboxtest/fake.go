// Package sandboxtest holds an in-memory sandbox.Runtime for unit tests of
// controller logic. It runs nothing: containers are records whose state the
// test drives. Integration tests use the real engine instead.
package sandboxtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/sandbox"
)

// Fake is an in-memory Runtime. The zero value is not usable: use New.
type Fake struct {
	mu         sync.Mutex
	containers map[string]*sandbox.Container
	images     map[string]sandbox.Image
	networks   map[string]map[string]string
	nextPort   int
	stats      map[string]sandbox.ContainerStats
	changes    map[string][]sandbox.Change
	subs       []fakeSub
	// FailCreate, when set, makes Create fail with it.
	FailCreate error
	// Calls counts calls by method name.
	Calls map[string]int
}

type fakeSub struct {
	ctx    context.Context
	labels map[string]string
	ch     chan sandbox.Event
}

var _ sandbox.Runtime = (*Fake)(nil)

// New returns an empty fake runtime.
func New() *Fake {
	return &Fake{
		containers: map[string]*sandbox.Container{},
		images:     map[string]sandbox.Image{},
		networks:   map[string]map[string]string{},
		stats:      map[string]sandbox.ContainerStats{},
		changes:    map[string][]sandbox.Change{},
		nextPort:   40000,
		Calls:      map[string]int{},
	}
}

func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

func (f *Fake) call(name string) {
	f.Calls[name]++
}

// CallCount is Calls[name], safe while the fake is in use.
func (f *Fake) CallCount(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Calls[name]
}

// AddImage makes an image known to the fake and returns it.
func (f *Fake) AddImage(ref string, labels map[string]string) sandbox.Image {
	f.mu.Lock()
	defer f.mu.Unlock()
	img := sandbox.Image{ID: "sha256:" + randomID(), Tags: []string{ref}, Labels: labels, Created: time.Now()}
	f.images[ref] = img
	f.images[img.ID] = img
	return img
}

// SetState changes a container's state as if its process did so, and
// reports the matching engine event.
func (f *Fake) SetState(id string, state sandbox.ContainerState, exitCode int) {
	f.mu.Lock()
	c, ok := f.containers[id]
	if ok {
		c.State, c.ExitCode = state, exitCode
	}
	f.mu.Unlock()
	if ok {
		action := map[sandbox.ContainerState]string{sandbox.StateExited: "die", sandbox.StatePaused: "pause", sandbox.StateRunning: "start"}[state]
		f.emit(*c, action)
	}
}

// Delete removes a container behind the control plane's back.
func (f *Fake) Delete(id string) {
	f.mu.Lock()
	c, ok := f.containers[id]
	delete(f.containers, id)
	f.mu.Unlock()
	if ok {
		f.emit(*c, "destroy")
	}
}

func (f *Fake) emit(c sandbox.Container, action string) {
	// Sends happen under the lock (they never block), so that a
	// subscription cannot be closed in the middle of one.
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		if s.ctx.Err() == nil && matches(c.Labels, s.labels) {
			select {
			case s.ch <- sandbox.Event{ContainerID: c.ID, Action: action, Labels: c.Labels, Time: time.Now()}:
			default:
			}
		}
	}
}

func (f *Fake) Info(ctx context.Context) (sandbox.Info, error) {
	return sandbox.Info{Version: "fake", APIVersion: "1.41", Host: "fake://"}, nil
}

func (f *Fake) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("EnsureNetwork")
	f.networks[name] = labels
	return nil
}

func (f *Fake) ListNetworks(ctx context.Context, labels map[string]string) ([]sandbox.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sandbox.Network
	for name, l := range f.networks {
		if matches(l, labels) {
			out = append(out, sandbox.Network{ID: name, Name: name, Labels: l})
		}
	}
	return out, nil
}

func (f *Fake) RemoveNetworks(ctx context.Context, labels map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, l := range f.networks {
		if matches(l, labels) {
			delete(f.networks, name)
		}
	}
	return nil
}

// Networks returns the names of the networks the fake holds.
func (f *Fake) Networks() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.networks {
		out = append(out, n)
	}
	return out
}

func (f *Fake) Create(ctx context.Context, spec sandbox.ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Create")
	if f.FailCreate != nil {
		return "", f.FailCreate
	}
	// The containment every runtime applies refuses these whatever the engine.
	if err := sandbox.CheckNetwork(spec.Network); err != nil {
		return "", err
	}
	if _, err := sandbox.NormalizeCapabilities(spec.CapAdd); err != nil {
		return "", err
	}
	img, err := f.image(spec.Image)
	if err != nil {
		return "", err
	}
	for _, c := range f.containers {
		if spec.Name != "" && c.Name == spec.Name {
			return "", cerrdefs.ErrConflict.WithMessage("container name " + spec.Name + " is in use")
		}
	}
	labels := map[string]string{}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	c := &sandbox.Container{ID: randomID(), Name: spec.Name, ImageID: img.ID, ImageRef: spec.Image,
		Labels: labels, State: sandbox.StateCreated, CreatedAt: time.Now(),
		Config: sandbox.ContainerConfig{Env: append([]string(nil), spec.Env...), Cmd: spec.Cmd, Port: spec.Port,
			Memory: spec.Memory, NanoCPUs: spec.NanoCPUs, PidsLimit: spec.PidsLimit}}
	if spec.Network != "" {
		c.Config.Networks = []string{spec.Network}
	}
	if spec.Port > 0 {
		f.nextPort++
		c.HostPort = f.nextPort
	}
	f.containers[c.ID] = c
	return c.ID, nil
}

func (f *Fake) get(id string) (*sandbox.Container, error) {
	c, ok := f.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %s: %w", id, cerrdefs.ErrNotFound)
	}
	return c, nil
}

func (f *Fake) setState(id string, st sandbox.ContainerState, action string) error {
	f.mu.Lock()
	c, err := f.get(id)
	if err == nil {
		c.State = st
		if st == sandbox.StateRunning {
			c.StartedAt = time.Now()
		}
	}
	f.mu.Unlock()
	if err == nil {
		f.emit(*c, action)
	}
	return err
}

func (f *Fake) Start(ctx context.Context, id string) error {
	f.mu.Lock()
	f.call("Start")
	f.mu.Unlock()
	return f.setState(id, sandbox.StateRunning, "start")
}

func (f *Fake) Stop(ctx context.Context, id string, timeout time.Duration) error {
	f.mu.Lock()
	f.call("Stop")
	f.mu.Unlock()
	return f.setState(id, sandbox.StateExited, "die")
}

func (f *Fake) Kill(ctx context.Context, id string, signal string) error {
	return f.setState(id, sandbox.StateExited, "die")
}

func (f *Fake) Pause(ctx context.Context, id string) error {
	return f.setState(id, sandbox.StatePaused, "pause")
}

func (f *Fake) Unpause(ctx context.Context, id string) error {
	return f.setState(id, sandbox.StateRunning, "unpause")
}

func (f *Fake) Remove(ctx context.Context, id string, force bool) error {
	f.mu.Lock()
	f.call("Remove")
	c, ok := f.containers[id]
	if ok && c.State == sandbox.StateRunning && !force {
		f.mu.Unlock()
		return cerrdefs.ErrConflict.WithMessage("container " + id + " is running: stop it first")
	}
	f.mu.Unlock()
	if ok {
		f.Delete(id)
	}
	return nil
}

func (f *Fake) Inspect(ctx context.Context, id string) (sandbox.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(id)
	if err != nil {
		return sandbox.Container{}, err
	}
	return *c, nil
}

func (f *Fake) List(ctx context.Context, labels map[string]string) ([]sandbox.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sandbox.Container
	for _, c := range f.containers {
		if matches(c.Labels, labels) {
			out = append(out, *c)
		}
	}
	return out, nil
}

// ListStates is List: the fake's containers are in memory.
func (f *Fake) ListStates(ctx context.Context, labels map[string]string) ([]sandbox.Container, error) {
	return f.List(ctx, labels)
}

func (f *Fake) Exec(ctx context.Context, id string, cmd []string) (sandbox.ExecResult, error) {
	return sandbox.ExecResult{}, fmt.Errorf("exec is not supported by the fake runtime")
}

func (f *Fake) Logs(ctx context.Context, id string, tail int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.get(id); err != nil {
		return nil, err
	}
	return []byte("fake log line\n"), nil
}

// Changes reports what SetChanges or PutFile left in the container.
func (f *Fake) Changes(ctx context.Context, id string) ([]sandbox.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Changes")
	if _, err := f.get(id); err != nil {
		return nil, err
	}
	return append([]sandbox.Change(nil), f.changes[id]...), nil
}

// SetChanges sets what Changes reports for a container.
func (f *Fake) SetChanges(id string, changes ...sandbox.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes[id] = changes
}

// PutFile records the path as added to the container's writable layer.
func (f *Fake) PutFile(ctx context.Context, id, path string, content []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.get(id); err != nil {
		return err
	}
	f.changes[id] = append(f.changes[id], sandbox.Change{Path: path, Kind: sandbox.ChangeAdded})
	return nil
}

// Rename gives a container another name.
func (f *Fake) Rename(ctx context.Context, id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(id)
	if err != nil {
		return err
	}
	for _, o := range f.containers {
		if o.Name == name && o.ID != id {
			return cerrdefs.ErrConflict.WithMessage("container name " + name + " is in use")
		}
	}
	c.Name = name
	return nil
}

// DisconnectNetwork detaches the container from the network and closes
// its published port.
func (f *Fake) DisconnectNetwork(ctx context.Context, id, network string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(id)
	if err != nil {
		return err
	}
	var kept []string
	for _, n := range c.Config.Networks {
		if n != network {
			kept = append(kept, n)
		}
	}
	c.Config.Networks, c.HostPort = kept, 0
	return nil
}

// SetStats sets what Stats reports for a container while it runs.
func (f *Fake) SetStats(id string, st sandbox.ContainerStats) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats[id] = st
}

// Stats reports the values SetStats gave (zero until then); a container
// that is not running uses nothing.
func (f *Fake) Stats(ctx context.Context, id string) (sandbox.ContainerStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("Stats")
	c, err := f.get(id)
	if err != nil {
		return sandbox.ContainerStats{}, err
	}
	if c.State != sandbox.StateRunning {
		return sandbox.ContainerStats{}, nil
	}
	return f.stats[id], nil
}

func (f *Fake) Commit(ctx context.Context, id string, opts sandbox.CommitOptions) (string, error) {
	img := f.AddImage(opts.Ref, opts.Labels)
	return img.ID, nil
}

func (f *Fake) BuildImage(ctx context.Context, buildContext io.Reader, ref string, labels map[string]string) (string, error) {
	_, _ = io.Copy(io.Discard, buildContext)
	img := f.AddImage(ref, labels)
	return img.ID, nil
}

func (f *Fake) InspectImage(ctx context.Context, ref string) (sandbox.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.image(ref)
}

// image finds an image by id or reference (f.mu held); REGISTRY/REPO@DIGEST
// names an image pushed there or pulled from there.
func (f *Fake) image(ref string) (sandbox.Image, error) {
	if img, ok := f.images[ref]; ok {
		return img, nil
	}
	for _, img := range f.images {
		if slices.Contains(img.Digests, ref) {
			return img, nil
		}
	}
	return sandbox.Image{}, fmt.Errorf("image %s: %w", ref, cerrdefs.ErrNotFound)
}

func (f *Fake) ListImages(ctx context.Context, labels map[string]string) ([]sandbox.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []sandbox.Image
	for _, img := range f.images {
		if !seen[img.ID] && matches(img.Labels, labels) {
			seen[img.ID] = true
			out = append(out, img)
		}
	}
	return out, nil
}

func (f *Fake) RemoveImage(ctx context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[ref]
	if !ok {
		return nil
	}
	for k, v := range f.images {
		if v.ID == img.ID {
			delete(f.images, k)
		}
	}
	return nil
}

func (f *Fake) Events(ctx context.Context, labels map[string]string) (<-chan sandbox.Event, error) {
	ch := make(chan sandbox.Event, 64)
	f.mu.Lock()
	f.subs = append(f.subs, fakeSub{ctx: ctx, labels: labels, ch: ch})
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, s := range f.subs {
			if s.ch == ch {
				f.subs = append(f.subs[:i], f.subs[i+1:]...)
				break
			}
		}
		close(ch)
	}()
	return ch, nil
}

func (f *Fake) Close() error { return nil }

// Dump renders the containers, for test failure messages.
func (f *Fake) Dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b bytes.Buffer
	for _, c := range f.containers {
		fmt.Fprintf(&b, "%s %s %v\n", c.ID[:12], c.State, c.Labels)
	}
	return b.String()
}
