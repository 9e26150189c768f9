package docker

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// loopback is the only host address cattle publishes container ports on.
var loopback = netip.MustParseAddr("127.0.0.1")

// labelFilters selects objects carrying every one of labels.
func labelFilters(labels map[string]string) client.Filters {
	f := client.Filters{}
	for _, k := range sortedKeys(labels) {
		if labels[k] == "" {
			f.Add("label", k) // carrying the label, whatever its value
			continue
		}
		f.Add("label", k+"="+labels[k])
	}
	return f
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tcpPort is the engine's key for a container TCP port.
func tcpPort(port int) (network.Port, error) {
	if port < 1 || port > 65535 {
		return network.Port{}, fmt.Errorf("container port %d is out of range: use 1-65535", port)
	}
	p, ok := network.PortFrom(uint16(port), network.TCP)
	if !ok {
		return network.Port{}, fmt.Errorf("container port %d is not valid", port)
	}
	return p, nil
}

// publishedHostPort finds the loopback port a TCP port is published on; with
// several published ports the lowest container port wins, so the answer is
// stable. 0 means none (a stopped container publishes nothing).
func publishedHostPort(ports network.PortMap) int {
	keys := make([]network.Port, 0, len(ports))
	for p := range ports {
		if p.Proto() == network.TCP {
			keys = append(keys, p)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Num() < keys[j].Num() })
	for _, p := range keys {
		for _, b := range ports[p] {
			if b.HostIP != loopback {
				continue
			}
			if n, err := strconv.Atoi(b.HostPort); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// parseEngineTime reads the engine's RFC 3339 times; the engine writes
// "0001-01-01T00:00:00Z" for never, which stays the zero time.
func parseEngineTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

func containerFromInspect(in container.InspectResponse) sandbox.Container {
	c := sandbox.Container{
		ID:        in.ID,
		Name:      strings.TrimPrefix(in.Name, "/"),
		ImageID:   in.Image,
		CreatedAt: parseEngineTime(in.Created),
	}
	if in.Config != nil {
		c.ImageRef = in.Config.Image
		c.Labels = in.Config.Labels
		c.Config.Env, c.Config.Cmd = in.Config.Env, in.Config.Cmd
	}
	if h := in.HostConfig; h != nil {
		c.Config.Memory, c.Config.NanoCPUs = h.Memory, h.NanoCPUs
		c.Config.Port = boundTCPPort(h.PortBindings)
		if h.PidsLimit != nil {
			c.Config.PidsLimit = *h.PidsLimit
		}
	}
	if in.NetworkSettings != nil {
		for name := range in.NetworkSettings.Networks {
			c.Config.Networks = append(c.Config.Networks, name)
		}
		sort.Strings(c.Config.Networks)
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	if s := in.State; s != nil {
		c.State = containerState(s)
		c.ExitCode = s.ExitCode
		c.StartedAt = parseEngineTime(s.StartedAt)
		c.FinishedAt = parseEngineTime(s.FinishedAt)
		c.OOMKilled = s.OOMKilled
	}
	if in.NetworkSettings != nil {
		c.HostPort = publishedHostPort(in.NetworkSettings.Ports)
	}
	return c
}

// containerFromSummary is what the engine's list says of a container.
func containerFromSummary(in container.Summary) sandbox.Container {
	c := sandbox.Container{ID: in.ID, ImageID: in.ImageID, ImageRef: in.Image, Labels: in.Labels,
		State: sandbox.ContainerState(in.State), CreatedAt: time.Unix(in.Created, 0)}
	if len(in.Names) > 0 {
		c.Name = strings.TrimPrefix(in.Names[0], "/")
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	low := 0
	for _, p := range in.Ports {
		if p.Type == "tcp" && p.IP == loopback && p.PublicPort > 0 && (low == 0 || int(p.PrivatePort) < low) {
			low, c.HostPort = int(p.PrivatePort), int(p.PublicPort)
		}
	}
	return c
}

// boundTCPPort is the lowest TCP port a container is made to publish (0: none).
func boundTCPPort(ports network.PortMap) int {
	low := 0
	for p := range ports {
		if n := int(p.Num()); p.Proto() == network.TCP && (low == 0 || n < low) {
			low = n
		}
	}
	return low
}

// containerState prefers the engine's status word and falls back to the
// flags for engines that leave it empty.
func containerState(s *container.State) sandbox.ContainerState {
	if s.Status != "" {
		return sandbox.ContainerState(s.Status)
	}
	switch {
	case s.Dead:
		return sandbox.StateDead
	case s.Paused:
		return sandbox.StatePaused
	case s.Restarting:
		return sandbox.StateRestarting
	case s.Running:
		return sandbox.StateRunning
	case parseEngineTime(s.StartedAt).IsZero():
		return sandbox.StateCreated
	default:
		return sandbox.StateExited
	}
}

func changeFromEngine(ch container.FilesystemChange) sandbox.Change {
	kind := sandbox.ChangeModified
	switch ch.Kind {
	case container.ChangeAdd:
		kind = sandbox.ChangeAdded
	case container.ChangeDelete:
		kind = sandbox.ChangeDeleted
	}
	return sandbox.Change{Path: ch.Path, Kind: kind}
}

func imageFromInspect(in image.InspectResponse) sandbox.Image {
	img := sandbox.Image{
		ID:      in.ID,
		Tags:    in.RepoTags,
		Digests: in.RepoDigests,
		Created: parseEngineTime(in.Created),
		Size:    in.Size,
	}
	if in.Config != nil {
		img.Labels = in.Config.Labels
		img.Entrypoint, img.Cmd = in.Config.Entrypoint, in.Config.Cmd
		img.Env = in.Config.Env
	}
	if img.Labels == nil {
		img.Labels = map[string]string{}
	}
	return img
}

func imageFromSummary(s image.Summary) sandbox.Image {
	img := sandbox.Image{
		ID:      s.ID,
		Tags:    s.RepoTags,
		Digests: s.RepoDigests,
		Labels:  s.Labels,
		Size:    s.Size,
	}
	if s.Created > 0 {
		img.Created = time.Unix(s.Created, 0).UTC()
	}
	if img.Labels == nil {
		img.Labels = map[string]string{}
	}
	// Engines report untagged images as "<none>:<none>"; that is no tag.
	tags := img.Tags[:0:0]
	for _, t := range img.Tags {
		if t != "<none>:<none>" {
			tags = append(tags, t)
		}
	}
	img.Tags = tags
	return img
}

// eventAttributesNotLabels are the attributes the engine adds to a
// container event beside the container's labels.
var eventAttributesNotLabels = map[string]bool{"image": true, "name": true, "exitCode": true, "signal": true}

// labelsFromEventAttributes keeps the labels among an event's attributes.
func labelsFromEventAttributes(attrs map[string]string) map[string]string {
	labels := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if !eventAttributesNotLabels[k] {
			labels[k] = v
		}
	}
	return labels
}
