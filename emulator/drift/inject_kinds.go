package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// precheck refuses an injection that cannot apply to every target.
func (s *Service) precheck(ctx context.Context, spec InjectSpec, insts []compute.Instance) error {
	for _, inst := range insts {
		if inst.ContainerID == "" {
			return errdefs.Invalid("instance %s has no container yet: wait until it runs", inst.ID)
		}
		if spec.Kind == "app" && inst.Address == "" {
			return errdefs.Invalid("instance %s publishes no port: an app drift talks to the demo app's admin endpoints", inst.ID)
		}
	}
	return nil
}

// injectOne applies the drift to one instance and says what it changed.
func (s *Service) injectOne(ctx context.Context, spec InjectSpec, inst compute.Instance) (string, error) {
	rt, id := s.cfg.Runtime, inst.ContainerID
	switch spec.Kind {
	case "file":
		return s.injectFile(ctx, spec, id)
	case "exec":
		return s.execIn(ctx, id, spec.Command)
	case "kill":
		return "killed the main process (SIGKILL)", rt.Kill(ctx, id, "SIGKILL")
	case "stop":
		return "stopped the container", rt.Stop(ctx, id, s.cfg.Profile.StopTimeout)
	case "pause":
		return "paused the container: every process frozen (a hang)", rt.Pause(ctx, id)
	case "delete":
		return "removed the container behind the control plane's back", rt.Remove(ctx, id, true)
	case "image-swap", "env":
		return s.recreate(ctx, spec, inst)
	case "network":
		what := fmt.Sprintf("disconnected from network %s; published port %s closed", s.cfg.Network, orNone(inst.Address))
		return what, rt.DisconnectNetwork(ctx, id, s.cfg.Network)
	case "app":
		return s.injectApp(ctx, spec, inst)
	}
	return "", errdefs.Invalid("drift kind %q cannot be injected into an instance", spec.Kind)
}

func (s *Service) injectFile(ctx context.Context, spec InjectSpec, id string) (string, error) {
	if spec.Delete {
		if _, err := s.execIn(ctx, id, []string{"rm", "-f", spec.Path}); err != nil {
			return "", err
		}
		return "deleted " + spec.Path, nil
	}
	if err := s.cfg.Runtime.PutFile(ctx, id, spec.Path, []byte(spec.Content)); err != nil {
		return "", err
	}
	return fmt.Sprintf("wrote %d bytes to %s", len(spec.Content), spec.Path), nil
}

// execIn runs a command inside; one the image does not have is bad input.
func (s *Service) execIn(ctx context.Context, id string, cmd []string) (string, error) {
	res, err := s.cfg.Runtime.Exec(ctx, id, cmd)
	if err != nil {
		return "", err
	}
	line := strings.Join(cmd, " ")
	if res.ExitCode == 126 || res.ExitCode == 127 {
		return "", errdefs.Invalid("command %q cannot run in this instance's image: %s", line, firstLine(res.Output))
	}
	return fmt.Sprintf("ran %q (exit %d)", line, res.ExitCode), nil
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line
}

// recreate makes the container again as a person patching a pet would:
// same name, labels, network and published port, from another image
// (image-swap) or with one environment variable changed (env). The
// reconcile is held off meanwhile, so the gap is not taken for a removal.
func (s *Service) recreate(ctx context.Context, spec InjectSpec, inst compute.Instance) (string, error) {
	rt := s.cfg.Runtime
	c, err := rt.Inspect(ctx, inst.ContainerID)
	if err != nil {
		return "", err
	}
	image, env, what := c.ImageID, c.Config.Env, ""
	switch spec.Kind {
	case "image-swap":
		image, what, err = s.swapImage(ctx, spec, c)
		if err != nil {
			return "", err
		}
	case "env":
		kv := spec.Env
		if kv == "" {
			kv = "CATTLE_HOTFIX=1"
		}
		env = setEnv(env, kv)
		what = "container made again with " + kv
	}
	release := s.cfg.Compute.Hold(inst.ID)
	defer release()
	// Made first under another name, so that the gap while nothing
	// listens on the port is only the old one's removal and the start.
	id, err := rt.Create(ctx, sandbox.ContainerSpec{Name: c.Name + "-remade", Image: image, Cmd: c.Config.Cmd, Env: env,
		Labels: c.Labels, Network: s.cfg.Network, Port: c.Config.Port, HostPort: c.HostPort,
		Memory: c.Config.Memory, NanoCPUs: c.Config.NanoCPUs, PidsLimit: c.Config.PidsLimit})
	if err != nil {
		return "", fmt.Errorf("making the container again: %w", err)
	}
	if err := rt.Remove(ctx, c.ID, true); err != nil {
		_ = rt.Remove(ctx, id, true)
		return "", err
	}
	if err := rt.Start(ctx, id); err != nil {
		return "", fmt.Errorf("starting the container made again: %w", err)
	}
	if err := rt.Rename(ctx, id, c.Name); err != nil {
		return "", err
	}
	return what + fmt.Sprintf(" (same name %s, labels and port)", c.Name), nil
}

// roleSwap labels the images an image-swap commits; they go with the
// container drift replaces.
const roleSwap = "drift-swap"

// swapImage is the image swapped in: the one asked for, or the container
// committed (its own image, patched in place).
func (s *Service) swapImage(ctx context.Context, spec InjectSpec, c sandbox.Container) (string, string, error) {
	if spec.Image != "" {
		img, err := s.cfg.Runtime.InspectImage(ctx, spec.Image)
		if errors.Is(err, errdefs.ErrNotFound) {
			return "", "", errdefs.Invalid("image %q is not in the engine: name one it has (docker images)", spec.Image)
		}
		if err != nil {
			return "", "", err
		}
		return img.ID, "image swapped from " + short(c.ImageID) + " to " + spec.Image + " (" + short(img.ID) + ")", nil
	}
	id, err := s.cfg.Runtime.Commit(ctx, c.ID, sandbox.CommitOptions{NoPause: true,
		Labels: map[string]string{sandbox.LabelImageSandbox: s.cfg.Sandbox, sandbox.LabelRole: roleSwap}})
	if err != nil {
		return "", "", err
	}
	return id, "image swapped from " + short(c.ImageID) + " to a patched copy " + short(id), nil
}

func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, k+"=") {
			out = append(out, e)
		}
	}
	return append(out, kv)
}

// injectApp sets faults through the demo app's admin endpoints.
func (s *Service) injectApp(ctx context.Context, spec InjectSpec, inst compute.Instance) (string, error) {
	var done []string
	call := func(path string, body any, what string) error {
		b, _ := json.Marshal(body)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+inst.Address+path, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("setting %s: %w", what, err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		if resp.StatusCode >= 300 {
			return errdefs.Invalid("setting %s on %s: the app answered %s: %s (app drift needs the demo app)", what, inst.ID, resp.Status, bytes.TrimSpace(answer))
		}
		done = append(done, what)
		return nil
	}
	var err error
	if spec.Latency != "" {
		err = errors.Join(err, call("/admin/latency", map[string]string{"latency": spec.Latency}, "latency "+spec.Latency))
	}
	if spec.ErrorRate != nil {
		err = errors.Join(err, call("/admin/error-rate", map[string]float64{"rate": *spec.ErrorRate}, "error rate "+strconv.FormatFloat(*spec.ErrorRate, 'g', -1, 64)))
	}
	if spec.FailHealth {
		err = errors.Join(err, call("/admin/health", map[string]bool{"fail": true}, "failing health check"))
	}
	return "demo app: " + strings.Join(done, ", "), err
}
