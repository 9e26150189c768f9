package cattletest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/runner"
)

// RefreshAndWait starts an instance refresh of group and waits until it
// ends. It returns the refresh as it ended, and an error when it did not
// end Successful (a failed, cancelled or rolled back refresh, with the
// daemon's reason), or when ctx ended first.
func (s *Sandbox) RefreshAndWait(ctx context.Context, group string, spec autoscaling.RefreshSpec) (autoscaling.Refresh, error) {
	r, err := s.StartRefresh(ctx, group, spec)
	if err != nil {
		return r, err
	}
	r, err = s.WaitRefresh(ctx, group, r.ID, nil)
	if err != nil {
		return r, err
	}
	if r.Status != autoscaling.RefreshSuccessful {
		return r, fmt.Errorf("refresh %s of group %s ended %s: %s", r.ID, group, r.Status, r.StatusReason)
	}
	return r, nil
}

// LoadBalancerURL is the address a test sends its requests to:
// http://127.0.0.1:PORT of load balancer name.
func (s *Sandbox) LoadBalancerURL(ctx context.Context, name string) (string, error) {
	lb, err := s.LoadBalancer(ctx, name)
	if err != nil {
		return "", err
	}
	return "http://" + lb.Address, nil
}

// BuildImage builds an image from dir, a build context holding a
// Dockerfile, and tags it ref in the engine; a template then names ref as
// its image, and the sandbox pushes it into its registry. Nothing is
// pulled: the Dockerfile builds FROM scratch or from an image the engine
// has. The image carries the sandbox's label and goes when it does.
func (s *Sandbox) BuildImage(ctx context.Context, ref, dir string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		return fmt.Errorf("image %s: reading the build context %s: %w", ref, dir, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("image %s: %w", ref, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err != nil {
		return fmt.Errorf("image %s: the build context %s holds no Dockerfile: write one (FROM scratch, COPY, ENTRYPOINT)", ref, dir)
	}
	labels := map[string]string{sandbox.LabelImageSandbox: s.name}
	if _, err := s.rt.BuildImage(ctx, &buf, ref, labels); err != nil {
		return fmt.Errorf("image %s: %w", ref, err)
	}
	return nil
}

// RunScenario runs a scenario, given as its YAML text, against the sandbox
// (as `cattle scenario run --sandbox NAME` does) and removes what it made.
// The error says why it could not run (every problem of a bad file, with
// line and column) or which step failed and with what evidence; the Result
// is the journal, also of a failed run.
func (s *Sandbox) RunScenario(ctx context.Context, yaml string) (*runner.Result, error) {
	sc, err := scenarios.ParseChecked("scenario.yaml", []byte(yaml))
	if err != nil {
		return nil, err
	}
	return s.run(ctx, sc)
}

// RunScenarioFile is RunScenario for a file, or a built-in scenario by name
// (see `cattle scenario ls`).
func (s *Sandbox) RunScenarioFile(ctx context.Context, nameOrPath string) (*runner.Result, error) {
	sc, err := scenarios.LoadChecked(nameOrPath)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, sc)
}

func (s *Sandbox) run(ctx context.Context, sc *scenarios.Scenario) (*runner.Result, error) {
	var timeline strings.Builder
	res, err := runner.Run(ctx, sc, runner.Options{
		Runtime: s.rt, Binary: s.binary, Out: &timeline,
		Attach: &runner.Attach{Sandbox: s.name, StateDir: s.stateDir},
	})
	if err != nil {
		return nil, fmt.Errorf("scenario %s could not run: %w", sc.Name, err)
	}
	if !res.Passed {
		return res, fmt.Errorf("scenario %s failed: %s\n%s", sc.Name, failure(res), timeline.String())
	}
	return res, nil
}

// failure is the one line that says why a run did not pass.
func failure(res *runner.Result) string {
	if f := res.Failure(); f != nil {
		return fmt.Sprintf("%s (%s, %s): %s", f.Label, f.Title, f.Position, f.Error)
	}
	if res.TeardownError != "" {
		return "removing what it made: " + res.TeardownError
	}
	return fmt.Sprintf("%d steps skipped", res.Count(runner.Skipped))
}
