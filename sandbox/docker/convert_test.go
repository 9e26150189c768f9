package docker

import (
	"net/netip"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"

	"github.com/cattle-dev/cattle/sandbox"
)

func mustPort(t *testing.T, s string) network.Port {
	t.Helper()
	p, err := network.ParsePort(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPublishedHostPortPicksTheLoopbackTCPBinding(t *testing.T) {
	ports := network.PortMap{
		mustPort(t, "53/udp"):   {{HostIP: loopback, HostPort: "5353"}},
		mustPort(t, "9090/tcp"): {{HostIP: loopback, HostPort: "40001"}},
		mustPort(t, "8080/tcp"): {
			{HostIP: netip.MustParseAddr("0.0.0.0"), HostPort: "39999"},
			{HostIP: loopback, HostPort: "40000"},
		},
		mustPort(t, "22/tcp"): nil, // exposed by the image, not published
	}
	if got := publishedHostPort(ports); got != 40000 {
		t.Fatalf("publishedHostPort = %d, want 40000 (lowest published TCP port, on 127.0.0.1)", got)
	}
	if got := publishedHostPort(nil); got != 0 {
		t.Fatalf("publishedHostPort(nil) = %d, want 0", got)
	}
}

func TestContainerFromInspect(t *testing.T) {
	in := container.InspectResponse{
		ID:      "abc",
		Name:    "/web-1",
		Image:   "sha256:feed",
		Created: "2024-05-01T10:00:00.5Z",
		State: &container.State{
			Status:     container.StateExited,
			ExitCode:   137,
			OOMKilled:  true,
			StartedAt:  "2024-05-01T10:00:01Z",
			FinishedAt: "0001-01-01T00:00:00Z",
		},
		Config: &container.Config{Image: "demo:v1", Labels: map[string]string{sandbox.LabelSandbox: "s"}},
		NetworkSettings: &container.NetworkSettings{
			Ports: network.PortMap{mustPort(t, "8080/tcp"): {{HostIP: loopback, HostPort: "41234"}}},
		},
	}
	got := containerFromInspect(in)
	want := sandbox.Container{
		ID: "abc", Name: "web-1", ImageID: "sha256:feed", ImageRef: "demo:v1",
		Labels: map[string]string{sandbox.LabelSandbox: "s"},
		State:  sandbox.StateExited, ExitCode: 137, OOMKilled: true, HostPort: 41234,
		CreatedAt: time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC),
		StartedAt: time.Date(2024, 5, 1, 10, 0, 1, 0, time.UTC),
	}
	if got.ID != want.ID || got.Name != want.Name || got.ImageID != want.ImageID || got.ImageRef != want.ImageRef ||
		got.State != want.State || got.ExitCode != want.ExitCode || !got.OOMKilled || got.HostPort != want.HostPort ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.StartedAt.Equal(want.StartedAt) || !got.FinishedAt.IsZero() ||
		got.Labels[sandbox.LabelSandbox] != "s" {
		t.Fatalf("containerFromInspect =\n%+v\nwant\n%+v", got, want)
	}
}

func TestContainerStateFallsBackToFlags(t *testing.T) {
	cases := []struct {
		state container.State
		want  sandbox.ContainerState
	}{
		{container.State{Running: true}, sandbox.StateRunning},
		{container.State{Running: true, Paused: true}, sandbox.StatePaused},
		{container.State{StartedAt: "0001-01-01T00:00:00Z"}, sandbox.StateCreated},
		{container.State{StartedAt: "2024-05-01T10:00:01Z"}, sandbox.StateExited},
		{container.State{Dead: true}, sandbox.StateDead},
	}
	for _, c := range cases {
		if got := containerState(&c.state); got != c.want {
			t.Errorf("containerState(%+v) = %q, want %q", c.state, got, c.want)
		}
	}
}

func TestChangeFromEngine(t *testing.T) {
	cases := map[container.ChangeType]sandbox.ChangeKind{
		container.ChangeModify: sandbox.ChangeModified,
		container.ChangeAdd:    sandbox.ChangeAdded,
		container.ChangeDelete: sandbox.ChangeDeleted,
	}
	for kind, want := range cases {
		got := changeFromEngine(container.FilesystemChange{Path: "/etc/x", Kind: kind})
		if got.Kind != want || got.Path != "/etc/x" {
			t.Errorf("changeFromEngine(kind %v) = %+v, want kind %q", kind, got, want)
		}
	}
}

func TestImageFromSummaryDropsNoneTags(t *testing.T) {
	got := imageFromSummary(image.Summary{ID: "sha256:1", RepoTags: []string{"<none>:<none>"}, Created: 1700000000})
	if len(got.Tags) != 0 {
		t.Fatalf("Tags = %v, want none", got.Tags)
	}
	if got.Labels == nil || !got.Created.Equal(time.Unix(1700000000, 0)) {
		t.Fatalf("imageFromSummary = %+v", got)
	}
}

func TestLabelsFromEventAttributesDropsEngineAttributes(t *testing.T) {
	got := labelsFromEventAttributes(map[string]string{
		"image": "demo", "name": "web", "exitCode": "0", sandbox.LabelInstance: "i-1",
	})
	if len(got) != 1 || got[sandbox.LabelInstance] != "i-1" {
		t.Fatalf("labels = %v, want only %s", got, sandbox.LabelInstance)
	}
}

func TestLabelFiltersRequireEveryLabel(t *testing.T) {
	f := labelFilters(map[string]string{"a": "1", "b": "2"})
	if !f["label"]["a=1"] || !f["label"]["b=2"] || len(f["label"]) != 2 {
		t.Fatalf("filters = %v", f)
	}
}
