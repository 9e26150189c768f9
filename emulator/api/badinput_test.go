package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
)

func urlPathEscape(s string) string { return url.PathEscape(s) }

// apiServer serves a control plane's API over real HTTP on 127.0.0.1.
type apiServer struct {
	url    string
	client *api.Client
}

func newAPIServer(t testing.TB, cp *controlPlane) *apiServer {
	t.Helper()
	srv := httptest.NewServer(cp.handler)
	t.Cleanup(srv.Close)
	return &apiServer{url: srv.URL, client: api.NewHTTPClient(strings.TrimPrefix(srv.URL, "http://"), "")}
}

// answer is what the API said to one request.
type answer struct {
	status  int
	code    string
	message string
	body    string
}

func (s *apiServer) send(t testing.TB, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(data)}
	var eb api.ErrorBody
	if json.Unmarshal(data, &eb) == nil {
		a.code, a.message = eb.Error.Code, eb.Error.Message
	}
	return a
}

// seed makes one of each thing a route can name: a template web with two
// versions, an instance, a load balancer web and a group web of one
// instance in service. It returns the path values that name them.
func seed(t testing.TB, c *api.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	data := compute.TemplateData{Image: "builtin/demo", Port: 8080}
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: data}); err != nil {
		t.Fatal(err)
	}
	data.Env = map[string]string{"V": "2"}
	if _, err := c.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: data}); err != nil {
		t.Fatal(err)
	}
	insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	desired := 1
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 1, Max: 2, Desired: &desired}); err != nil {
		t.Fatal(err)
	}
	waitForEvent(t, c, "group.launch")
	return map[string]string{"templates/name": "web", "instances/id": insts[0].ID,
		"loadbalancers/name": "web", "groups/name": "web"}
}

// waitForEvent waits for the first event of a kind: the group's launch
// is the last thing the seed sets going, and the state is still after it.
func waitForEvent(t testing.TB, c *api.Client, kind string) {
	t.Helper()
	var after uint64
	for {
		evs, err := c.Events(context.Background(), after, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == kind {
				return
			}
			after = e.Seq
		}
	}
}

// snapshot is everything a user can list, as the API lists it.
func (s *apiServer) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	get := func(path string) string {
		a := s.send(t, http.MethodGet, path, "")
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, a.status, a.body)
		}
		fmt.Fprintf(&b, "GET %s\n%s\n", path, a.body)
		return a.body
	}
	for _, list := range []string{"/v1/images", "/v1/instances", "/v1/events"} {
		get(list)
	}
	for _, kind := range []struct{ list, each string }{
		{"/v1/templates", "/v1/templates/%s"},
		{"/v1/loadbalancers", "/v1/loadbalancers/%s/targets"},
		{"/v1/groups", "/v1/groups/%s/refreshes"},
	} {
		var items []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(get(kind.list)), &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			get(fmt.Sprintf(kind.each, url.PathEscape(it.Name)))
		}
	}
	return b.String()
}

// unknownValues name nothing that exists, each in its own way.
var unknownValues = []string{"nope", "i-0123456789abcdef0", "Bad Name!", strings.Repeat("x", 300)}

// badQueryValues do not parse as any query parameter's value.
var badQueryValues = []string{"abc", "-1", "1.5", "99999999999999999999999", "-5s", "yes please"}

// badBodies are wrong whatever the route expects.
var badBodies = []string{
	"not json", "{", `{"a":`, "null", "[]", `"x"`, "1", "true", "{}{}", "{} x",
	`{"no_such_field":1}`, strings.Repeat("[", 100_000), `{"name":"` + strings.Repeat("a", 2<<20) + `"}`,
}

// sampleBodies are well-formed bodies of the routes that read one; the
// walk changes one field at a time into something wrong. Each is also
// given with the values that are wrong for it as a whole (extra).
var sampleBodies = map[string]struct {
	sample string
	extra  []string
}{
	"POST /v1/shutdown": {sample: `{"purge":false}`},
	"POST /v1/images/bake": {
		sample: `{"spec":{"name":"web","tags":["v2"],"from":{"image":"builtin/demo"},"provisioners":[{"file":{"content":"x","destination":"/etc/motd"}}],"changes":{"env":{"K":"V"},"expose":[8080]},"test":[{"exec":["/cattle","version"]}],"timeout":"5m"}}`,
		extra: []string{`{}`, `{"spec":{}}`, `{"spec":{"name":"web","from":{"image":"nope:1"}}}`, `{"spec":{"name":"Bad Name","from":{"image":"builtin/demo"}}}`,
			`{"spec":{"name":"web","from":{"image":"builtin/demo"},"provisioners":[{"shell":{"inline":["true"]}}]}}`,
			`{"spec":{"name":"web","from":{"rootfs":"/nonexistent/root"}}}`, `{"spec":{"name":"web","from":{"image":"builtin/demo"},"timeout":"soon"}}`,
			`{"spec":{"name":"web","from":{"image":"builtin/demo"},"provisioners":[{"file":{"source":"/nonexistent/f","destination":"/f"}}]}}`},
	},
	"POST /v1/images/deprecate": {
		sample: `{"ref":"builtin/demo:latest","undo":false}`,
		extra:  []string{`{"ref":""}`, `{"ref":"nope:1"}`, `{"ref":"web@sha256:00"}`},
	},
	"POST /v1/images/remove": {
		sample: `{"ref":"nope:1"}`,
		extra:  []string{`{"ref":""}`, `{"ref":"builtin/demo"}`, `{"ref":"Bad Name!"}`},
	},
	"POST /v1/images/prune": {sample: `{"dry_run":true}`},
	"PUT /v1/lifecycle/{name...}": {
		sample: `{"policy":{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}}`,
		extra: []string{`{"policy":{}}`, `{"policy":{"rules":[{"rulePriority":1}]}}`, `{"policy":"x"}`, `{}`,
			`{"policy":{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}}`},
	},
	"POST /v1/repositories": {
		sample: `{"name":"web2","immutable":true}`,
		extra:  []string{`{"name":""}`, `{"name":"Bad Name!"}`, `{}`},
	},
	"POST /v1/templates": {
		sample: `{"name":"web2","image":"builtin/demo","instance_type":"t3.micro","port":8080,"env":{"K":"V"},"command":["serve"],"health":{"path":"/health"},"user_data":"x","description":"d"}`,
		extra: []string{`{"name":"web","image":"builtin/demo"}`, `{"name":"web2","image":"nope:1"}`,
			`{"name":"web2","image":"builtin/demo","instance_type":"m5.huge"}`, `{"name":"bad name!","image":"builtin/demo"}`,
			`{"name":"web2"}`, `{"image":"builtin/demo"}`, `{"name":"web2","image":"builtin/demo","port":65536}`},
	},
	"POST /v1/templates/{name}/versions": {
		sample: `{"from":"2","set_default":true,"image":"builtin/demo","port":8080,"env":{"K":"V"},"unset_env":["V"]}`,
		extra: []string{`{"from":"99"}`, `{"from":"abc"}`, `{"from":"-1"}`, `{"image":"nope:1"}`,
			`{"from":"1","unset_env":["V"]}`, `{"env":{"V":"3"},"unset_env":["V"]}`},
	},
	"POST /v1/templates/{name}/default": {
		sample: `{"version":"2"}`,
		extra:  []string{`{"version":"99"}`, `{"version":"abc"}`, `{"version":"-1"}`, `{"version":""}`, `{}`},
	},
	"POST /v1/instances": {
		sample: `{"template":"web","version":"1","count":1,"zone":"zone-a"}`,
		extra: []string{`{"template":"nope"}`, `{"template":"web","version":"99"}`, `{"template":"web","zone":"zone-x"}`,
			`{"template":"web","count":-1}`, `{"template":"web","count":1000000}`, `{}`},
	},
	"POST /v1/instances/terminate": {
		sample: `{"ids":["i-0123456789abcdef0"]}`,
		extra:  []string{`{"ids":["bad id"]}`, `{"ids":[""]}`},
	},
	"POST /v1/loadbalancers": {
		sample: `{"name":"web2","port":0,"algorithm":"round_robin","health_check":{"path":"/","matcher":"200","port":8080,"interval":"5s","timeout":"2s","healthy_threshold":2,"unhealthy_threshold":2},"deregistration_delay":"1s","slow_start":"0s"}`,
		extra: []string{`{"name":"web"}`, `{"name":"bad name!"}`, `{}`, `{"name":"web2","algorithm":"random"}`,
			`{"name":"web2","health_check":{"interval":"1s","timeout":"5s"}}`, `{"name":"web2","deregistration_delay":"1000h"}`},
	},
	"POST /v1/loadbalancers/{name}/register": {
		sample: `{"ids":["i-0123456789abcdef0"]}`,
		extra:  []string{`{"ids":["bad id"]}`},
	},
	"POST /v1/loadbalancers/{name}/deregister": {
		sample: `{"ids":["i-0123456789abcdef0"],"wait":false}`,
		extra:  []string{`{"ids":["bad id"]}`},
	},
	"PUT /v1/loadbalancers/{name}/forwards": {
		sample: `{"forwards":[{"target_group":"web","weight":1}]}`,
		extra:  []string{`{"forwards":[{"target_group":"nope","weight":1}]}`},
	},
	"POST /v1/groups": {
		sample: `{"name":"web2","template":"web","template_version":"1","min":1,"max":2,"desired":1,"zones":["zone-a"],"load_balancer":"web","health_check_type":"ELB","health_check_grace_period":"1s","max_healthy_percentage":100}`,
		extra: []string{`{"name":"web","template":"web","max":1}`, `{"name":"web2","template":"nope","max":1}`,
			`{"name":"web2","template":"web","max":1,"load_balancer":"nope"}`, `{"name":"web2","template":"web","max":1,"zones":["zone-x"]}`,
			`{"name":"web2","template":"web:99","max":1}`, `{"name":"web2","template":"web","min":3,"max":2}`},
	},
	"POST /v1/groups/{name}/drift": {
		sample: `{"drift":"report"}`,
		extra:  []string{`{"drift":"repair"}`},
	},
	"POST /v1/drift/inject": {
		sample: `{"kind":"file","instance":"i-0123456789abcdef0","path":"/etc/hotfix","content":"x"}`,
		extra: []string{`{"kind":"melt","instance":"i-0123456789abcdef0"}`, `{"kind":"file"}`,
			`{"kind":"exec","group":"nope"}`, `{"kind":"zone-outage","zone":"zone-z"}`},
	},
	"POST /v1/drift/restore": {
		sample: `{"zone":"zone-a"}`,
		extra:  []string{`{"zone":"zone-z"}`},
	},
	"POST /v1/groups/{name}/scale": {
		sample: `{"desired":1,"min":1,"max":2}`,
		extra:  []string{`{"desired":5}`, `{"min":3}`, `{"max":0}`},
	},
	"POST /v1/groups/{name}/refreshes": {
		sample: `{"template_version":"2","min_healthy_percentage":50,"max_healthy_percentage":150,"instance_warmup":"1s","checkpoint_percentages":[50,100],"checkpoint_delay":"1s","skip_matching":true,"auto_rollback":false,"bake_time":"1s"}`,
		extra:  []string{`{"template_version":"99"}`, `{"template_version":"nope:1"}`, `{"template_version":"2","checkpoint_percentages":[100,50]}`},
	},
	"PUT /v1/groups/{name}/policy": {
		sample: `{"target_cpu":50.5,"instance_warmup":"1s","disable_scale_in":true}`,
		extra:  []string{`{}`, `{"target_cpu":50,"target_requests_per_target":10}`},
	},
}
