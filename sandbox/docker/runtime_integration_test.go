package docker

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

func TestIntegrationInfo(t *testing.T) {
	f := newFixture(t)
	info, err := f.rt.Info(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" || info.APIVersion == "" || info.Host == "" {
		t.Fatalf("Info = %+v, want version, API version and host", info)
	}
}

func TestIntegrationContainerLifecycle(t *testing.T) {
	f := newFixture(t)
	netName := "cattle-" + f.name
	if err := f.rt.EnsureNetwork(f.ctx, netName, f.labels); err != nil {
		t.Fatal(err)
	}
	imageID := f.cattleImage(t)
	ref := "cattle-sandbox-test/cattle:" + f.name

	id := f.run(t, sandbox.ContainerSpec{
		Name:     "cattle-" + f.name + "-web",
		Image:    ref,
		Labels:   map[string]string{sandbox.LabelInstance: "i-1"},
		Network:  netName,
		Port:     8080,
		Memory:   128 << 20,
		NanoCPUs: 500_000_000,
	})

	c := f.waitState(t, id, sandbox.StateRunning)
	if c.HostPort <= 0 {
		t.Fatalf("HostPort = %d, want the port 8080 is published on", c.HostPort)
	}
	if c.ImageID != imageID || c.ImageRef != ref || c.Name != "cattle-"+f.name+"-web" {
		t.Fatalf("Inspect = %+v, want image %s (%s)", c, imageID, ref)
	}
	if c.Labels[sandbox.LabelInstance] != "i-1" || c.CreatedAt.IsZero() || c.StartedAt.IsZero() {
		t.Fatalf("Inspect = %+v, want labels and times", c)
	}

	t.Run("the engine holds it confined as asked", func(t *testing.T) { checkConfined(t, f, id, netName) })
	t.Run("a network that does not exist is refused at create", func(t *testing.T) {
		_, err := f.rt.Create(f.ctx, sandbox.ContainerSpec{Image: imageID, Labels: f.labels, Network: netName + "-missing"})
		if !errors.Is(err, cerrdefs.ErrNotFound) || !strings.Contains(err.Error(), netName+"-missing") {
			t.Fatalf("Create: %v, want cerrdefs.ErrNotFound naming the network", err)
		}
	})
	t.Run("List by label finds exactly it", func(t *testing.T) { checkListFinds(t, f, id, c) })
	t.Run("pause and unpause", func(t *testing.T) { checkPauseUnpause(t, f, id) })
	t.Run("stop, then List still finds it", func(t *testing.T) { checkStopKeepsIt(t, f, id) })
	t.Run("kill", func(t *testing.T) { checkKill(t, f, id) })
	t.Run("a fixed host port is used", func(t *testing.T) { checkFixedHostPort(t, f, imageID, netName) })
	t.Run("remove, twice, then it is not found", func(t *testing.T) { checkRemoveTwice(t, f, id) })
}

// checkConfined asserts the engine runs the container as created: no
// privilege, no host network or mounts, limits set, ports on loopback only.
func checkConfined(t *testing.T, f *fixture, id, netName string) {
	raw, err := f.rt.cli.ContainerInspect(f.ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := raw.Container.HostConfig
	if hc.Privileged || hc.NetworkMode.IsHost() || len(hc.Binds) != 0 || len(raw.Container.Mounts) != 0 {
		t.Fatalf("privileged=%v network=%q binds=%v mounts=%v", hc.Privileged, hc.NetworkMode, hc.Binds, raw.Container.Mounts)
	}
	if hc.RestartPolicy.Name != container.RestartPolicyDisabled || hc.Memory != 128<<20 || hc.NanoCPUs != 500_000_000 {
		t.Fatalf("restart=%q memory=%d nanocpus=%d", hc.RestartPolicy.Name, hc.Memory, hc.NanoCPUs)
	}
	if _, ok := raw.Container.NetworkSettings.Networks[netName]; !ok {
		t.Fatalf("attached to %v, want %s", raw.Container.NetworkSettings.Networks, netName)
	}
	for port, bindings := range raw.Container.NetworkSettings.Ports {
		for _, b := range bindings {
			if b.HostIP != loopback {
				t.Fatalf("port %v published on %v, want 127.0.0.1 only", port, b.HostIP)
			}
		}
	}
}

// checkListFinds asserts List by label finds exactly the running container c.
func checkListFinds(t *testing.T, f *fixture, id string, c sandbox.Container) {
	got, err := f.rt.List(f.ctx, f.labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != id || got[0].HostPort != c.HostPort || got[0].State != sandbox.StateRunning {
		t.Fatalf("List = %+v, want only %s running on port %d", got, id, c.HostPort)
	}
	none, err := f.rt.List(f.ctx, f.labelsWith(map[string]string{sandbox.LabelInstance: "i-other"}))
	if err != nil || len(none) != 0 {
		t.Fatalf("List with a label nobody has = %+v, %v; want none", none, err)
	}
	// ListStates says of a running container what the engine's list
	// does, and that agrees with Inspect.
	light, err := f.rt.ListStates(f.ctx, f.labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(light) != 1 {
		t.Fatalf("ListStates = %+v, want only %s", light, id)
	}
	l := light[0]
	if l.ID != id || l.Name != c.Name || l.ImageID != c.ImageID || l.ImageRef != c.ImageRef || l.State != sandbox.StateRunning ||
		l.HostPort != c.HostPort || l.Labels[sandbox.LabelInstance] != "i-1" || !l.CreatedAt.Equal(c.CreatedAt.Truncate(time.Second)) {
		t.Fatalf("ListStates = %+v\nwant as Inspect: %+v", l, c)
	}
}

func checkPauseUnpause(t *testing.T, f *fixture, id string) {
	if err := f.rt.Pause(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	f.waitState(t, id, sandbox.StatePaused)
	if err := f.rt.Unpause(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	f.waitState(t, id, sandbox.StateRunning)
}

// checkStopKeepsIt stops the container and asserts List still finds it.
func checkStopKeepsIt(t *testing.T, f *fixture, id string) {
	if err := f.rt.Stop(f.ctx, id, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	stopped := f.waitState(t, id, sandbox.StateExited)
	if stopped.FinishedAt.IsZero() || stopped.HostPort != 0 {
		t.Fatalf("stopped = %+v, want a finish time and no published port", stopped)
	}
	got, err := f.rt.List(f.ctx, f.labels)
	if err != nil || len(got) != 1 || got[0].State != sandbox.StateExited {
		t.Fatalf("List = %+v, %v; want the exited container", got, err)
	}
	light, err := f.rt.ListStates(f.ctx, f.labels)
	if err != nil || len(light) != 1 || light[0].State != sandbox.StateExited || light[0].ExitCode != stopped.ExitCode ||
		!light[0].FinishedAt.Equal(stopped.FinishedAt) {
		t.Fatalf("ListStates = %+v, %v; want the exited container as Inspect has it: %+v", light, err, stopped)
	}
}

// checkKill starts the container again and asserts SIGKILL exits it with 137.
func checkKill(t *testing.T, f *fixture, id string) {
	if err := f.rt.Start(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	f.waitState(t, id, sandbox.StateRunning)
	if err := f.rt.Kill(f.ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	killed := f.waitState(t, id, sandbox.StateExited)
	if killed.ExitCode != 137 {
		t.Fatalf("exit code after SIGKILL = %d, want 137", killed.ExitCode)
	}
}

// checkFixedHostPort asserts a container asked for a host port gets it.
func checkFixedHostPort(t *testing.T, f *fixture, imageID, netName string) {
	port := freeLoopbackPort(t)
	fixed := f.run(t, sandbox.ContainerSpec{Image: imageID, Network: netName, Port: 8080, HostPort: port})
	if got := f.waitState(t, fixed, sandbox.StateRunning).HostPort; got != port {
		t.Fatalf("HostPort = %d, want %d", got, port)
	}
	if err := f.rt.Remove(f.ctx, fixed, true); err != nil {
		t.Fatal(err)
	}
}

// checkRemoveTwice removes the container twice and asserts it is gone for
// every call that names it.
func checkRemoveTwice(t *testing.T, f *fixture, id string) {
	if err := f.rt.Remove(f.ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if err := f.rt.Remove(f.ctx, id, true); err != nil {
		t.Fatalf("removing a removed container: %v, want no error", err)
	}
	_, err := f.rt.Inspect(f.ctx, id)
	if !errors.Is(err, cerrdefs.ErrNotFound) {
		t.Fatalf("Inspect after Remove: %v, want cerrdefs.ErrNotFound", err)
	}
	for name, call := range map[string]func() error{
		"Start": func() error { return f.rt.Start(f.ctx, id) },
		"Kill":  func() error { return f.rt.Kill(f.ctx, id, "") },
		"Logs":  func() error { _, err := f.rt.Logs(f.ctx, id, 0); return err },
	} {
		if err := call(); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Errorf("%s on a removed container: %v, want cerrdefs.ErrNotFound", name, err)
		}
	}
	got, err := f.rt.List(f.ctx, f.labels)
	if err != nil || len(got) != 0 {
		t.Fatalf("List after Remove = %+v, %v; want none", got, err)
	}
}

// freeLoopbackPort finds a port nobody listens on right now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestIntegrationEvents(t *testing.T) {
	f := newFixture(t)
	imageID := f.cattleImage(t)
	watched := map[string]string{sandbox.LabelRole: "watched"}

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	events, err := f.rt.Events(ctx, f.labelsWith(watched))
	if err != nil {
		t.Fatal(err)
	}
	other := f.run(t, sandbox.ContainerSpec{Image: imageID, Labels: map[string]string{sandbox.LabelRole: "other"}})
	id := f.run(t, sandbox.ContainerSpec{Image: imageID, Labels: watched})
	f.waitState(t, id, sandbox.StateRunning)
	if err := f.rt.Kill(f.ctx, id, ""); err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	deadline := time.After(time.Minute)
	for !seen["start"] || !seen["die"] {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("event channel closed early; saw %v", seen)
			}
			if ev.ContainerID == other {
				t.Fatalf("got %q of a container without the watched label", ev.Action)
			}
			if ev.ContainerID != id || ev.Labels[sandbox.LabelSandbox] != f.name || ev.Time.IsZero() {
				t.Fatalf("event %+v, want one of %s with its labels", ev, id)
			}
			seen[ev.Action] = true
		case <-deadline:
			t.Fatalf("no start and die within a minute; saw %v", seen)
		}
	}

	cancel()
	deadline = time.After(time.Minute)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return // closed once ctx ended
			}
		case <-deadline:
			t.Fatal("event channel still open a minute after ctx ended")
		}
	}
}

func TestIntegrationExecLogsChangesCommit(t *testing.T) {
	f := newFixture(t)
	imageID := f.busyboxImage(t)
	id := f.run(t, sandbox.ContainerSpec{
		Image:      imageID,
		Entrypoint: []string{"/bin/busybox", "sh", "-c"},
		Cmd:        []string{"echo one; echo err-line >&2; echo two; echo three; exec /bin/busybox sleep 3600"},
	})
	f.waitState(t, id, sandbox.StateRunning)

	t.Run("logs, all and tail", func(t *testing.T) { checkLogsAllAndTail(t, f, id) })

	t.Run("exec returns output and exit code", func(t *testing.T) {
		res, err := f.rt.Exec(f.ctx, id, []string{"/bin/busybox", "sh", "-c",
			"echo out; echo err >&2; /bin/busybox mkdir -p /tmp && echo hi > /tmp/x; exit 3"})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 3 || !strings.Contains(string(res.Output), "out\n") || !strings.Contains(string(res.Output), "err\n") {
			t.Fatalf("Exec = code %d output %q, want 3 with out and err", res.ExitCode, res.Output)
		}
	})

	t.Run("exec of a missing program fails like a shell", func(t *testing.T) {
		res, err := f.rt.Exec(f.ctx, id, []string{"/no/such/program"})
		if err != nil {
			t.Fatalf("Exec: %v, want a result with a non-zero exit code", err)
		}
		if res.ExitCode == 0 || !strings.Contains(string(res.Output), "/no/such/program") {
			t.Fatalf("Exec = code %d output %q, want non-zero naming the program", res.ExitCode, res.Output)
		}
	})

	t.Run("exec in a missing container is not found", func(t *testing.T) {
		_, err := f.rt.Exec(f.ctx, "cattle-no-such-container-"+f.name, []string{"/bin/busybox", "true"})
		if !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Fatalf("Exec: %v, want cerrdefs.ErrNotFound", err)
		}
	})

	t.Run("changes show the file exec wrote", func(t *testing.T) {
		changes, err := f.rt.Changes(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []sandbox.Change{{Path: "/tmp", Kind: sandbox.ChangeAdded}, {Path: "/tmp/x", Kind: sandbox.ChangeAdded}} {
			if !slices.Contains(changes, want) {
				t.Fatalf("Changes = %+v, want %+v", changes, want)
			}
		}
	})

	t.Run("commit keeps the file and applies changes and labels", func(t *testing.T) { checkCommit(t, f, id) })
}

// checkCommit commits the container and asserts the image keeps the file exec
// wrote, with the changes and labels asked for, then removes it.
func checkCommit(t *testing.T, f *fixture, id string) {
	ref := "cattle-sandbox-test/baked:" + f.name
	baked, err := f.rt.Commit(f.ctx, id, sandbox.CommitOptions{
		Ref:     ref,
		Changes: []string{"ENV BAKED=yes", `ENTRYPOINT ["/bin/busybox"]`, `CMD ["sleep", "3600"]`},
		Labels:  map[string]string{sandbox.LabelRole: "baked"},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := f.rt.InspectImage(f.ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != baked || !slices.Contains(img.Tags, ref) {
		t.Fatalf("image %+v, want id %s tagged %s", img, baked, ref)
	}
	if img.Labels[sandbox.LabelRole] != "baked" || img.Labels[sandbox.LabelSandbox] != f.name {
		t.Fatalf("image labels %v, want role=baked and the container's sandbox label", img.Labels)
	}

	fresh := f.run(t, sandbox.ContainerSpec{Image: baked})
	f.waitState(t, fresh, sandbox.StateRunning)
	res, err := f.rt.Exec(f.ctx, fresh, []string{"/bin/busybox", "sh", "-c", "/bin/busybox cat /tmp/x; echo baked=$BAKED"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || string(res.Output) != "hi\nbaked=yes\n" {
		t.Fatalf("in a container of the baked image: code %d output %q", res.ExitCode, res.Output)
	}

	if err := f.rt.Remove(f.ctx, fresh, true); err != nil {
		t.Fatal(err)
	}
	if err := f.rt.RemoveImage(f.ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rt.InspectImage(f.ctx, baked); !errors.Is(err, cerrdefs.ErrNotFound) {
		t.Fatalf("InspectImage after RemoveImage: %v, want cerrdefs.ErrNotFound", err)
	}
}

// checkLogsAllAndTail waits for the container's four lines, stdout and stderr,
// and asserts a tail of two gives the last two.
func checkLogsAllAndTail(t *testing.T, f *fixture, id string) {
	var all string
	deadline := time.Now().Add(time.Minute)
	for {
		out, err := f.rt.Logs(f.ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		all = string(out)
		if strings.Count(all, "\n") >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("logs = %q, want four lines", all)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"one\n", "err-line\n", "two\n", "three\n"} {
		if !strings.Contains(all, want) {
			t.Fatalf("logs = %q, want %q (stdout and stderr, demultiplexed)", all, want)
		}
	}
	tail, err := f.rt.Logs(f.ctx, id, 2)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(all, "\n")
	if want := strings.Join(lines[len(lines)-3:], ""); string(tail) != want {
		t.Fatalf("Logs(tail 2) = %q, want %q", tail, want)
	}
}

func TestIntegrationBuildImage(t *testing.T) {
	f := newFixture(t)
	ref := "cattle-sandbox-test/cattle:" + f.name

	built := t.Run("scratch plus the cattle binary builds with no network", func(t *testing.T) {
		id := f.cattleImage(t)
		img, err := f.rt.InspectImage(f.ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if img.ID != id || !strings.HasPrefix(id, "sha256:") || !slices.Contains(img.Tags, ref) {
			t.Fatalf("InspectImage = %+v, want id %s tagged %s", img, id, ref)
		}
		if img.Labels[sandbox.LabelSandbox] != f.name || img.Size <= 0 || img.Created.IsZero() {
			t.Fatalf("InspectImage = %+v, want the label, a size and a time", img)
		}
		listed, err := f.rt.ListImages(f.ctx, f.labels)
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) != 1 || listed[0].ID != id || !slices.Contains(listed[0].Tags, ref) {
			t.Fatalf("ListImages = %+v, want only %s", listed, id)
		}
	})

	t.Run("a broken Dockerfile fails with the engine's reason", func(t *testing.T) {
		cases := map[string]string{
			"FROM scratch\nCOPY nothere-" + f.name + " /x\n": "nothere-" + f.name,
			"FROM scratch\nFROBNICATE now\n":                 "frobnicate",
		}
		for text, want := range cases {
			_, err := f.rt.BuildImage(f.ctx, tarContext(t, dockerfile(text)), ref+"-broken", f.labels)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), want) {
				t.Errorf("building %q: err = %v, want it to mention %q", text, err, want)
			}
		}
		if _, err := f.rt.InspectImage(f.ctx, ref+"-broken"); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Fatalf("a failed build left a tag behind: %v", err)
		}
	})

	if !built {
		return // nothing to remove
	}
	t.Run("remove image", func(t *testing.T) {
		if err := f.rt.RemoveImage(f.ctx, ref); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rt.InspectImage(f.ctx, ref); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Fatalf("InspectImage after RemoveImage: %v, want cerrdefs.ErrNotFound", err)
		}
		if err := f.rt.RemoveImage(f.ctx, ref); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Fatalf("RemoveImage of a removed image: %v, want cerrdefs.ErrNotFound", err)
		}
	})
}

func TestIntegrationNetworks(t *testing.T) {
	f := newFixture(t)
	name := "cattle-" + f.name
	for range 2 {
		if err := f.rt.EnsureNetwork(f.ctx, name, f.labels); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.rt.cli.NetworkList(f.ctx, client.NetworkListOptions{Filters: labelFilters(f.labels)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].Name != name || res.Items[0].Driver != "bridge" {
		t.Fatalf("networks = %+v, want one bridge named %s", res.Items, name)
	}

	if err := f.rt.RemoveNetworks(f.ctx, f.labels); err != nil {
		t.Fatal(err)
	}
	res, err = f.rt.cli.NetworkList(f.ctx, client.NetworkListOptions{Filters: labelFilters(f.labels)})
	if err != nil || len(res.Items) != 0 {
		t.Fatalf("networks after RemoveNetworks = %+v, %v; want none", res.Items, err)
	}
	if err := f.rt.RemoveNetworks(f.ctx, f.labels); err != nil {
		t.Fatalf("RemoveNetworks with nothing left: %v", err)
	}
}
