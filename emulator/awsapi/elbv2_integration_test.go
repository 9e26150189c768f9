package awsapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

var plainHTTP = &http.Client{Timeout: 20 * time.Second}

func elbv2Client(t *testing.T, s *emulatortest.Sandbox) *elbv2.Client {
	t.Helper()
	creds, err := awsapi.ReadCredentials(s.Daemon.Paths().AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	return elbv2.NewFromConfig(aws.Config{Region: awsapi.Region, BaseEndpoint: aws.String("http://" + s.Daemon.AWSAddr()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, nil
		})})
}

// launch runs n demo instances through cattle's own API.
func launch(t *testing.T, s *emulatortest.Sandbox, n int) []compute.Instance {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}}}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.Client.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Count: n})
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

func createTargetGroup(t *testing.T, c *elbv2.Client, name string) string {
	t.Helper()
	out, err := c.CreateTargetGroup(context.Background(), &elbv2.CreateTargetGroupInput{Name: aws.String(name),
		Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080), HealthCheckPath: aws.String("/healthz")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup/` + name + `/[0-9a-f]{16}$`).MatchString(arn) {
		t.Errorf("target group ARN %s is not shaped as AWS's", arn)
	}
	return arn
}

func register(t *testing.T, c *elbv2.Client, tg string, ids ...string) {
	t.Helper()
	var targets []types.TargetDescription
	for _, id := range ids {
		targets = append(targets, types.TargetDescription{Id: aws.String(id)})
	}
	if _, err := c.RegisterTargets(context.Background(), &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(tg), Targets: targets}); err != nil {
		t.Fatal(err)
	}
}

// health is a target's state and reason as DescribeTargetHealth gives them.
func health(t *testing.T, c *elbv2.Client, tg, id string) string {
	t.Helper()
	out, err := c.DescribeTargetHealth(context.Background(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg),
		Targets: []types.TargetDescription{{Id: aws.String(id)}}})
	if err != nil {
		t.Fatal(err)
	}
	h := out.TargetHealthDescriptions[0].TargetHealth
	return string(h.State) + " " + string(h.Reason)
}

func waitHealth(t *testing.T, c *elbv2.Client, tg, id, want string) {
	t.Helper()
	testutil.WaitFor(t, id+" "+want, time.Minute, func() bool { return health(t, c, tg, id) == want })
}

// servedBy sends one request through addr and returns the target that
// answered it.
func servedBy(t *testing.T, addr string) string {
	t.Helper()
	resp, err := plainHTTP.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET through %s: %s", addr, resp.Status)
	}
	return resp.Header.Get("X-Cattle-Target")
}

func freePort(t *testing.T) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

func forwardTo(weights map[string]int32) []types.Action {
	var tgs []types.TargetGroupTuple
	for arn, w := range weights {
		tgs = append(tgs, types.TargetGroupTuple{TargetGroupArn: aws.String(arn), Weight: aws.Int32(w)})
	}
	return []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{TargetGroups: tgs}}}
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Through the SDK alone: target groups, a load balancer in two subnets, a
// listener; targets become healthy and serve through the listener's port;
// a weighted forward splits the traffic; a deregistered target drains
// while its request finishes; the ARNs and the port survive a restart.
func TestIntegrationELBv2ThroughTheSDK(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	insts := launch(t, s, 2)
	c := elbv2Client(t, s)
	blue, green := createTargetGroup(t, c, "blue"), createTargetGroup(t, c, "green")
	nw := &awsapi.Backend{Sandbox: s.Name}
	lbOut, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"),
		Subnets: []string{nw.SubnetID("zone-a"), nw.SubnetID("zone-b")}})
	if err != nil {
		t.Fatal(err)
	}
	lbArn := aws.ToString(lbOut.LoadBalancers[0].LoadBalancerArn)
	register(t, c, blue, insts[0].ID)
	register(t, c, green, insts[1].ID)
	if got := health(t, c, blue, insts[0].ID); got != "unused Target.NotInUse" {
		t.Errorf("target of a target group no listener uses: %q, want unused Target.NotInUse", got)
	}
	ln, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Protocol: types.ProtocolEnumHttp,
		Port: aws.Int32(freePort(t)), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(blue)}}})
	if err != nil {
		t.Fatal(err)
	}
	listener := ln.Listeners[0]
	addr := fmt.Sprintf("127.0.0.1:%d", aws.ToInt32(listener.Port))
	waitHealth(t, c, blue, insts[0].ID, "healthy ")
	if got := servedBy(t, addr); got != insts[0].ID {
		t.Errorf("request through the listener served by %q, want %s", got, insts[0].ID)
	}
	if _, err := c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(blue)}); errorCode(err) != "ResourceInUse" {
		t.Errorf("deleting a target group a listener forwards to: %v, want ResourceInUse", err)
	}
	checkWeightedSplit(t, c, listener, addr, blue, green, insts)
	checkDraining(t, s, c, listener, addr, green, insts[1])
	if _, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: listener.ListenerArn, DefaultActions: forwardTo(map[string]int32{blue: 1})}); err != nil {
		t.Fatal(err)
	}
	s.Crash(t)
	s.Restart(t)
	c = elbv2Client(t, s)
	again, err := c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)})
	if err != nil || len(again.Listeners) != 1 || aws.ToString(again.Listeners[0].ListenerArn) != aws.ToString(listener.ListenerArn) ||
		aws.ToInt32(again.Listeners[0].Port) != aws.ToInt32(listener.Port) {
		t.Fatalf("after a restart the listener is %+v (%v), want %s on port %d", again, err, aws.ToString(listener.ListenerArn), aws.ToInt32(listener.Port))
	}
	waitHealth(t, c, blue, insts[0].ID, "healthy ")
	if got := servedBy(t, addr); got != insts[0].ID {
		t.Errorf("after a restart the listener's request was served by %q, want %s", got, insts[0].ID)
	}
}

func checkWeightedSplit(t *testing.T, c *elbv2.Client, listener types.Listener, addr, blue, green string, insts []compute.Instance) {
	t.Helper()
	if _, err := c.ModifyListener(context.Background(), &elbv2.ModifyListenerInput{ListenerArn: listener.ListenerArn,
		DefaultActions: forwardTo(map[string]int32{blue: 1, green: 1})}); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, c, green, insts[1].ID, "healthy ")
	seen := map[string]int{}
	for range 40 {
		seen[servedBy(t, addr)]++
	}
	if seen[insts[0].ID] == 0 || seen[insts[1].ID] == 0 || len(seen) != 2 {
		t.Errorf("a 1:1 weighted forward served %v, want both targets", seen)
	}
}

// checkDraining deregisters a target while a slow request is on it: it
// drains, the request is answered, then it is no longer registered.
func checkDraining(t *testing.T, s *emulatortest.Sandbox, c *elbv2.Client, listener types.Listener, addr, green string, inst compute.Instance) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(green),
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("600")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: listener.ListenerArn,
		DefaultActions: forwardTo(map[string]int32{green: 1})}); err != nil {
		t.Fatal(err)
	}
	resp, err := plainHTTP.Post("http://"+inst.Address+"/admin/latency", "application/json", bytes.NewBufferString(`{"latency":"3s"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	answered := make(chan string, 1)
	go func() { answered <- servedByQuietly(addr) }()
	testutil.WaitFor(t, "the slow request on "+inst.ID, 30*time.Second, func() bool {
		st, err := s.Client.LoadBalancerStats(ctx, "web")
		return err == nil && st.Targets[inst.ID].Active > 0
	})
	if _, err := c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(green),
		Targets: []types.TargetDescription{{Id: aws.String(inst.ID)}}}); err != nil {
		t.Fatal(err)
	}
	if got := health(t, c, green, inst.ID); got != "draining Target.DeregistrationInProgress" {
		t.Errorf("deregistered target with a request in flight: %q, want draining Target.DeregistrationInProgress", got)
	}
	if got := <-answered; got != inst.ID {
		t.Errorf("the request in flight while draining: %q, want answered by %s", got, inst.ID)
	}
	waitHealth(t, c, green, inst.ID, "unused Target.NotRegistered")
}

func servedByQuietly(addr string) string {
	resp, err := plainHTTP.Get("http://" + addr + "/")
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.Status
	}
	return resp.Header.Get("X-Cattle-Target")
}
