package awsapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/store"
)

// unitELBv2 is an SDK client on an endpoint whose load balancers live in a
// fresh store (no engine: no instances).
func unitELBv2(t *testing.T) (*elbv2.Client, *elb.Service) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	lbs := elb.New(elb.Config{DB: db, Profile: timing.Fast()})
	creds := awsapi.Credentials{AccessKeyID: "AKIAUNITUNITUNITUNIT", SecretAccessKey: "unitsecretunitsecretunitsecretunitsecret"}
	ts := httptest.NewServer(awsapi.NewServer(awsapi.Backend{LB: lbs, Sandbox: "unit"}, creds))
	t.Cleanup(func() {
		ts.Close()
		lbs.Close(context.Background())
		db.Close()
	})
	return elbv2.NewFromConfig(aws.Config{Region: awsapi.Region, BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, nil
		})}), lbs
}

// Unknown ARNs, duplicates and bad parameters answer ELBv2's codes and
// change nothing.
func TestELBv2ErrorCodes(t *testing.T) {
	c, lbs := unitELBv2(t)
	ctx := context.Background()
	tg := createTargetGroup(t, c, "blue")
	nw := &awsapi.Backend{Sandbox: "unit"}
	missingTG := "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/blue/0000000000000000"
	missingLB := "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/0000000000000000"
	for _, tc := range []struct {
		what string
		call func() error
		want string
	}{
		{"duplicate target group", func() error {
			_, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("blue"), Port: aws.Int32(80)})
			return err
		}, "DuplicateTargetGroupName"},
		{"target group with a stale id", func() error {
			_, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(missingTG)})
			return err
		}, "TargetGroupNotFound"},
		{"unknown load balancer", func() error {
			_, err := c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{missingLB}})
			return err
		}, "LoadBalancerNotFound"},
		{"one subnet", func() error {
			_, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{nw.SubnetID("zone-a")}})
			return err
		}, "ValidationError"},
		{"unknown subnet", func() error {
			_, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: []string{"subnet-0", "subnet-1"}})
			return err
		}, "SubnetNotFound"},
		{"interval out of range", func() error {
			_, err := c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg), HealthCheckIntervalSeconds: aws.Int32(301)})
			return err
		}, "ValidationError"},
		{"timeout not below the interval", func() error {
			_, err := c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg),
				HealthCheckIntervalSeconds: aws.Int32(10), HealthCheckTimeoutSeconds: aws.Int32(10)})
			return err
		}, "ValidationError"},
		{"not an ARN", func() error {
			_, err := c.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String("blue")})
			return err
		}, "ValidationError"},
		{"unknown attribute", func() error {
			_, err := c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(tg),
				Attributes: []types.TargetGroupAttribute{{Key: aws.String("stickiness.enabled"), Value: aws.String("true")}}})
			return err
		}, "ValidationError"},
	} {
		if got := errorCode(tc.call()); got != tc.want {
			t.Errorf("%s: code %q, want %s", tc.what, got, tc.want)
		}
	}
	if all, _ := lbs.List(ctx); len(all) != 1 || all[0].HealthCheck.Interval.Std() != time.Second {
		t.Errorf("refused requests changed the records: %+v", all)
	}
}

// Seconds are on the sandbox's clock: on the fast profile AWS's 30 s
// interval is cattle's 1 s, and every setting reads back as it was given.
func TestELBv2SecondsOnTheSandboxClock(t *testing.T) {
	c, lbs := unitELBv2(t)
	ctx := context.Background()
	tg := createTargetGroup(t, c, "blue")
	out, err := c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"blue"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.TargetGroups[0]; aws.ToInt32(g.HealthCheckIntervalSeconds) != 30 || aws.ToString(g.HealthCheckPath) != "/healthz" {
		t.Errorf("the fast profile's default interval reads %d s (path %s), want 30 s", aws.ToInt32(g.HealthCheckIntervalSeconds), aws.ToString(g.HealthCheckPath))
	}
	_, err = c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(tg),
		Attributes: []types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("300")},
			{Key: aws.String("slow_start.duration_seconds"), Value: aws.String("60")}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := lbs.Get(ctx, "blue")
	if rec.DeregistrationDelay.Std() != 10*time.Second || rec.SlowStart.Std() != 2*time.Second {
		t.Errorf("300 s and 60 s became %s and %s, want 10s and 2s on the fast clock", rec.DeregistrationDelay, rec.SlowStart)
	}
	attrs, err := c.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range attrs.Attributes {
		got[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	if got["deregistration_delay.timeout_seconds"] != "300" || got["slow_start.duration_seconds"] != "60" || got["load_balancing.algorithm.type"] != "round_robin" {
		t.Errorf("attributes read back as %v", got)
	}
}

// A listener asked for a port that is taken listens on a free one, which
// the answer shows; ModifyListener moves it, closing the old port.
func TestELBv2ListenerPorts(t *testing.T) {
	c, _ := unitELBv2(t)
	ctx := context.Background()
	tg := createTargetGroup(t, c, "blue")
	nw := &awsapi.Backend{Sandbox: "unit"}
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"),
		Subnets: []string{nw.SubnetID("zone-a"), nw.SubnetID("zone-c")}})
	if err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := int32(taken.Addr().(*net.TCPAddr).Port)
	out, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(takenPort),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}})
	if err != nil {
		t.Fatal(err)
	}
	first := aws.ToInt32(out.Listeners[0].Port)
	if first == takenPort || !accepts(first) {
		t.Errorf("listener asked for taken port %d is on %d (accepting: %v), want another, open", takenPort, first, accepts(first))
	}
	want := freePort(t)
	moved, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: out.Listeners[0].ListenerArn, Port: aws.Int32(want)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(moved.Listeners[0].Port); got != want || !accepts(want) || accepts(first) {
		t.Errorf("listener moved to %d (want %d, accepting: %v); old port %d accepting: %v", got, want, accepts(want), first, accepts(first))
	}
}

func accepts(port int32) bool {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err == nil {
		c.Close()
	}
	return err == nil
}
