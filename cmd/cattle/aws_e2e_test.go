package main_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/testutil"
)

// awsCLI runs the real aws CLI with the environment `eval "$(cattle
// aws-env)"` gives a shell, and no configuration of the user's.
type awsCLI struct {
	t   *testing.T
	env []string
}

func newAWSCLI(t *testing.T, c *cli) *awsCLI {
	t.Helper()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	env = append(env, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none)
	exports := 0
	for _, line := range strings.Split(c.ok("aws-env"), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			env = append(env, kv)
			exports++
		}
	}
	if exports < 4 {
		t.Fatalf("cattle aws-env printed %d export lines, want the endpoint, both keys and the region", exports)
	}
	return &awsCLI{t: t, env: env}
}

func (a *awsCLI) run(extraEnv []string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command("aws", append(args, "--output", "json")...)
	cmd.Env = append(append([]string{}, a.env...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		a.t.Fatalf("running aws %v: %v", args, err)
	}
	return out.String(), errb.String(), 0
}

// json runs an aws command that must succeed and decodes its output.
func (a *awsCLI) json(v any, args ...string) {
	a.t.Helper()
	out, errOut, code := a.run(nil, args...)
	if code != 0 {
		a.t.Fatalf("aws %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// agree polls until what the aws CLI reports equals what the cattle CLI
// does (both read at each round), logging the last difference on failure.
func agree(t *testing.T, what string, viaAWS, viaCattle func() map[string]string) map[string]string {
	t.Helper()
	var got, want map[string]string
	defer func() {
		if t.Failed() {
			t.Logf("%s: aws CLI %v, cattle CLI %v", what, got, want)
		}
	}()
	testutil.WaitFor(t, what+": the aws CLI agrees with the cattle CLI", 2*time.Minute, func() bool {
		got, want = viaAWS(), viaCattle()
		return len(want) > 0 && maps.Equal(got, want)
	})
	return got
}

// TestIntegrationAWSCLIAsAUserWould sets a sandbox up with the cattle CLI,
// then asks the real aws CLI about it, as a user who ran
// `eval "$(cattle aws-env)"` would: instances, the group's instance
// refresh, the load balancer's target health and the registry's
// repositories read as cattle shows them, and a wrong secret is refused.
func TestIntegrationAWSCLIAsAUserWould(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not on PATH (pip install awscli, or Debian's awscli): this test drives it against cattle")
	}
	c := newCLI(t)
	c.ok("up")
	a := newAWSCLI(t, c)
	c.ok("templates", "create", "web", "--image", "builtin/demo", "--port", "8080", "--health", "/healthz", "--env", "DEMO_VERSION=v1")
	c.ok("lb", "create", "web")
	c.ok("groups", "create", "web", "--template", "web", "--min", "2", "--max", "4", "--desired", "2",
		"--lb", "web", "--health-check-type", "ELB", "--wait")
	c.ok("templates", "version", "web", "--env", "DEMO_VERSION=v2")
	c.ok("groups", "refresh", "web", "--template-version", "2", "--min-healthy", "50", "--wait")
	c.ok("repos", "create", "team/api", "--immutable")

	refreshes := agree(t, "instance refreshes", func() map[string]string {
		var out struct {
			InstanceRefreshes []struct{ InstanceRefreshId, Status string }
		}
		a.json(&out, "autoscaling", "describe-instance-refreshes", "--auto-scaling-group-name", "web")
		m := map[string]string{}
		for _, r := range out.InstanceRefreshes {
			m[r.InstanceRefreshId] = r.Status
		}
		return m
	}, func() map[string]string {
		var rs []refreshJSON
		c.jsonOut(&rs, "groups", "refreshes", "web", "-o", "json")
		m := map[string]string{}
		for _, r := range rs {
			if r.Status == "Successful" { // compared once it is over
				m[r.ID] = r.Status
			}
		}
		return m
	})
	t.Logf("aws autoscaling describe-instance-refreshes: %v", refreshes)
	awsAgreesOnInstances(t, a, c)
	awsAgreesOnTargets(t, a, c)
	awsAgreesOnRepositories(t, a, c)
	awsRefusesAWrongSecret(t, a)
}

func awsAgreesOnInstances(t *testing.T, a *awsCLI, c *cli) {
	t.Helper()
	insts := agree(t, "instances", func() map[string]string {
		var out struct {
			Reservations []struct {
				Instances []struct {
					InstanceId string
					State      struct{ Name string }
				}
			}
		}
		a.json(&out, "ec2", "describe-instances")
		m := map[string]string{}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				m[i.InstanceId] = i.State.Name
			}
		}
		return m
	}, func() map[string]string {
		var insts []instanceJSON
		c.jsonOut(&insts, "instances", "ls", "-o", "json")
		m := map[string]string{}
		for _, i := range insts {
			m[i.ID] = i.State
		}
		return m
	})
	if countState(insts, "running") != 2 {
		t.Errorf("aws ec2 describe-instances: %v; want the group's 2 running instances", insts)
	}
	t.Logf("aws ec2 describe-instances: %v", insts)
}

func countState(m map[string]string, state string) int {
	n := 0
	for _, s := range m {
		if s == state {
			n++
		}
	}
	return n
}

func awsAgreesOnTargets(t *testing.T, a *awsCLI, c *cli) {
	t.Helper()
	var tgs struct {
		TargetGroups []struct{ TargetGroupArn string }
	}
	a.json(&tgs, "elbv2", "describe-target-groups", "--names", "web")
	if len(tgs.TargetGroups) != 1 {
		t.Fatalf("aws elbv2 describe-target-groups --names web: %+v, want the target group of lb web", tgs)
	}
	targets := agree(t, "target health", func() map[string]string {
		var out struct {
			TargetHealthDescriptions []struct {
				Target       struct{ Id string }
				TargetHealth struct{ State, Reason string }
			}
		}
		a.json(&out, "elbv2", "describe-target-health", "--target-group-arn", tgs.TargetGroups[0].TargetGroupArn)
		m := map[string]string{}
		for _, d := range out.TargetHealthDescriptions {
			m[d.Target.Id] = strings.TrimSpace(d.TargetHealth.State + " " + d.TargetHealth.Reason)
		}
		return m
	}, func() map[string]string {
		var ts []struct{ ID, State, Reason string }
		c.jsonOut(&ts, "lb", "targets", "web", "-o", "json")
		m := map[string]string{}
		for _, x := range ts {
			// cattle lists a target taken off for a minute more; AWS no longer does.
			if x.Reason != "Target.NotRegistered" {
				m[x.ID] = strings.TrimSpace(x.State + " " + x.Reason)
			}
		}
		return m
	})
	if countState(targets, "healthy") != 2 {
		t.Errorf("aws elbv2 describe-target-health: %v; want the group's 2 instances healthy", targets)
	}
	t.Logf("aws elbv2 describe-target-health: %v", targets)
}

func awsAgreesOnRepositories(t *testing.T, a *awsCLI, c *cli) {
	t.Helper()
	repos := agree(t, "repositories", func() map[string]string {
		var out struct {
			Repositories []struct{ RepositoryName, ImageTagMutability string }
		}
		a.json(&out, "ecr", "describe-repositories")
		m := map[string]string{}
		for _, r := range out.Repositories {
			m[r.RepositoryName] = r.ImageTagMutability
		}
		return m
	}, func() map[string]string {
		var rs []struct {
			Name      string
			Immutable bool
		}
		c.jsonOut(&rs, "repos", "ls", "-o", "json")
		m := map[string]string{}
		for _, r := range rs {
			m[r.Name] = map[bool]string{true: "IMMUTABLE", false: "MUTABLE"}[r.Immutable]
		}
		return m
	})
	if repos["team/api"] != "IMMUTABLE" {
		t.Errorf("aws ecr describe-repositories: %v; want team/api IMMUTABLE", repos)
	}
	t.Logf("aws ecr describe-repositories: %v", repos)
	imgs := agree(t, "the demo image", func() map[string]string {
		var out struct {
			ImageDetails []struct {
				ImageDigest string
				ImageTags   []string
			}
		}
		a.json(&out, "ecr", "describe-images", "--repository-name", "builtin/demo")
		m := map[string]string{}
		for _, d := range out.ImageDetails {
			m[d.ImageDigest] = strings.Join(d.ImageTags, ",")
		}
		return m
	}, func() map[string]string {
		var is []struct {
			Repository, Digest string
			Tags               []string
		}
		c.jsonOut(&is, "images", "ls", "-o", "json")
		m := map[string]string{}
		for _, i := range is {
			if i.Repository == "builtin/demo" {
				m[i.Digest] = strings.Join(i.Tags, ",")
			}
		}
		return m
	})
	t.Logf("aws ecr describe-images --repository-name builtin/demo: %v", imgs)
}

func awsRefusesAWrongSecret(t *testing.T, a *awsCLI) {
	t.Helper()
	out, errOut, code := a.run([]string{"AWS_SECRET_ACCESS_KEY=" + strings.Repeat("x", 40)}, "ec2", "describe-instances")
	if code == 0 || !strings.Contains(errOut, "SignatureDoesNotMatch") {
		t.Errorf("aws ec2 describe-instances with a wrong secret: exit %d\n%s%s; want a refusal with SignatureDoesNotMatch", code, out, errOut)
	}
	t.Logf("a wrong secret: exit %d, %s", code, strings.TrimSpace(errOut))
}
