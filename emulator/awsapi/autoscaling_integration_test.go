package awsapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	asg "github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

func asgClient(t *testing.T, s *emulatortest.Sandbox) *asg.Client {
	t.Helper()
	creds, err := awsapi.ReadCredentials(s.Daemon.Paths().AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	return asg.NewFromConfig(aws.Config{Region: awsapi.Region, BaseEndpoint: aws.String("http://" + s.Daemon.AWSAddr()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, nil
		})})
}

// appTemplates makes template app through cattle's own API: v1, v2, and a
// v3 whose health check fails.
func appTemplates(t *testing.T, s *emulatortest.Sandbox) {
	t.Helper()
	ctx := context.Background()
	for i, env := range []map[string]string{{"DEMO_VERSION": "v1"}, {"DEMO_VERSION": "v2"}, {"DEMO_VERSION": "v3", "DEMO_FAIL_HEALTH": "1"}} {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}, Env: env}
		var err error
		if i == 0 {
			_, err = s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "app", TemplateData: data})
		} else {
			_, err = s.Client.CreateVersion(ctx, "app", api.CreateVersionRequest{TemplateData: data})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// alb makes, through the ELBv2 SDK, target group app (health checks on
// /healthz), load balancer app in two subnets and a listener forwarding to
// the target group; it returns the target group's ARN and the listener's
// 127.0.0.1 address.
func alb(t *testing.T, s *emulatortest.Sandbox) (string, string) {
	t.Helper()
	ctx := context.Background()
	c := elbv2Client(t, s)
	tg := createTargetGroup(t, c, "app")
	nw := &awsapi.Backend{Sandbox: s.Name}
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("app"),
		Subnets: []string{nw.SubnetID("zone-a"), nw.SubnetID("zone-b")}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn,
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(freePort(t)),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}})
	if err != nil {
		t.Fatal(err)
	}
	return tg, fmt.Sprintf("127.0.0.1:%d", aws.ToInt32(ln.Listeners[0].Port))
}

func describeGroup(t *testing.T, c *asg.Client, name string) asgtypes.AutoScalingGroup {
	t.Helper()
	out, err := c.DescribeAutoScalingGroups(context.Background(), &asg.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("DescribeAutoScalingGroups %s: %+v %v", name, out, err)
	}
	return out.AutoScalingGroups[0]
}

// waitInService waits until the group has exactly n instances, all
// InService and Healthy on launch template version.
func waitInService(t *testing.T, c *asg.Client, name string, n int, version string) asgtypes.AutoScalingGroup {
	t.Helper()
	var g asgtypes.AutoScalingGroup
	testutil.WaitFor(t, name+" in service on version "+version, 2*time.Minute, func() bool {
		g = describeGroup(t, c, name)
		if len(g.Instances) != n {
			return false
		}
		for _, in := range g.Instances {
			if in.LifecycleState != asgtypes.LifecycleStateInService || aws.ToString(in.HealthStatus) != "Healthy" ||
				in.LaunchTemplate == nil || aws.ToString(in.LaunchTemplate.Version) != version {
				return false
			}
		}
		return true
	})
	return g
}

func startRefresh(t *testing.T, c *asg.Client, name, version string, prefs *asgtypes.RefreshPreferences) string {
	t.Helper()
	out, err := c.StartInstanceRefresh(context.Background(), &asg.StartInstanceRefreshInput{AutoScalingGroupName: aws.String(name),
		DesiredConfiguration: &asgtypes.DesiredConfiguration{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{
			LaunchTemplateName: aws.String("app"), Version: aws.String(version)}},
		Preferences: prefs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.InstanceRefreshId)
}

func describeRefresh(t *testing.T, c *asg.Client, name, id string) asgtypes.InstanceRefresh {
	t.Helper()
	out, err := c.DescribeInstanceRefreshes(context.Background(), &asg.DescribeInstanceRefreshesInput{
		AutoScalingGroupName: aws.String(name), InstanceRefreshIds: []string{id}})
	if err != nil || len(out.InstanceRefreshes) != 1 {
		t.Fatalf("DescribeInstanceRefreshes %s: %+v %v", id, out, err)
	}
	return out.InstanceRefreshes[0]
}

func waitRefresh(t *testing.T, c *asg.Client, name, id string, want asgtypes.InstanceRefreshStatus) asgtypes.InstanceRefresh {
	t.Helper()
	var r asgtypes.InstanceRefresh
	testutil.WaitFor(t, "refresh "+id+" "+string(want), 3*time.Minute, func() bool {
		r = describeRefresh(t, c, name, id)
		switch r.Status {
		case asgtypes.InstanceRefreshStatusSuccessful, asgtypes.InstanceRefreshStatusFailed, asgtypes.InstanceRefreshStatusCancelled,
			asgtypes.InstanceRefreshStatusRollbackSuccessful, asgtypes.InstanceRefreshStatusRollbackFailed:
			if r.Status != want {
				t.Fatalf("refresh %s ended %s (%s), want %s", id, r.Status, aws.ToString(r.StatusReason), want)
			}
		}
		return r.Status == want
	})
	return r
}

// fastRefresh launches every replacement at once.
func fastRefresh() *asgtypes.RefreshPreferences {
	return &asgtypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(100), MaxHealthyPercentage: aws.Int32(200),
		SkipMatching: aws.Bool(true)}
}

// held stops at a checkpoint of 50% for an hour on AWS's clock (with 100%
// last, as AWS ends a refresh at a last checkpoint below it), so that the
// refresh is still in progress when the test acts on it.
func held() *asgtypes.RefreshPreferences {
	return &asgtypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(50), CheckpointPercentages: []int32{50, 100},
		CheckpointDelay: aws.Int32(3600), SkipMatching: aws.Bool(true)}
}

// Through the Auto Scaling SDK on templates made with cattle's own API
// (the story test has the rollbacks): a group of 2 in two subnets with a
// target group comes InService; a refresh to v2 succeeds, and a second
// one meanwhile is refused; a cancel, then a second one; capacity,
// terminate with decrement, activities, delete.
func TestIntegrationAutoScalingThroughTheSDK(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	ctx := context.Background()
	appTemplates(t, s)
	c := asgClient(t, s)
	nw := &awsapi.Backend{Sandbox: s.Name}
	tg, _ := alb(t, s)
	in := &asg.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("app"),
		TargetGroupARNs: []string{tg},
		LaunchTemplate:  &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("app"), Version: aws.String("1")},
		MinSize:         aws.Int32(1), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(2),
		VPCZoneIdentifier: aws.String(nw.SubnetID("zone-a") + "," + nw.SubnetID("zone-b")),
		Tags:              []asgtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}
	if _, err := c.CreateAutoScalingGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAutoScalingGroup(ctx, in); errorCode(err) != "AlreadyExists" {
		t.Errorf("creating the group twice: %v, want AlreadyExists", err)
	}
	g := waitInService(t, c, "app", 2, "1")
	zones := map[string]bool{}
	for _, inst := range g.Instances {
		zones[aws.ToString(inst.AvailabilityZone)] = true
	}
	if !zones["us-east-1a"] || !zones["us-east-1b"] || len(g.Tags) != 1 || aws.ToString(g.LaunchTemplate.LaunchTemplateId) == "" ||
		len(g.TargetGroupARNs) != 1 || g.TargetGroupARNs[0] != tg {
		t.Errorf("group %+v: want instances in us-east-1a and us-east-1b, its tag, its launch template id and target group %s", g, tg)
	}

	v2 := startRefresh(t, c, "app", "2", fastRefresh())
	if _, err := c.StartInstanceRefresh(ctx, &asg.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("app")}); errorCode(err) != "InstanceRefreshInProgress" {
		t.Errorf("a second refresh while one runs: %v, want InstanceRefreshInProgress", err)
	}
	if r := waitRefresh(t, c, "app", v2, asgtypes.InstanceRefreshStatusSuccessful); aws.ToInt32(r.PercentageComplete) != 100 {
		t.Errorf("successful refresh at %d%%, want 100", aws.ToInt32(r.PercentageComplete))
	}
	waitInService(t, c, "app", 2, "2")

	checkCancel(t, c)
	checkGroupActions(t, c)
}

func checkCancel(t *testing.T, c *asg.Client) {
	t.Helper()
	ctx := context.Background()
	name := aws.String("app")
	if _, err := c.RollbackInstanceRefresh(ctx, &asg.RollbackInstanceRefreshInput{AutoScalingGroupName: name}); errorCode(err) != "ActiveInstanceRefreshNotFound" {
		t.Errorf("rolling back a finished refresh: %v, want ActiveInstanceRefreshNotFound", err)
	}
	again := startRefresh(t, c, "app", "1", held())
	out, err := c.CancelInstanceRefresh(ctx, &asg.CancelInstanceRefreshInput{AutoScalingGroupName: name})
	if err != nil || aws.ToString(out.InstanceRefreshId) != again {
		t.Fatalf("cancel: %+v %v, want refresh %s", out, err, again)
	}
	if _, err := c.CancelInstanceRefresh(ctx, &asg.CancelInstanceRefreshInput{AutoScalingGroupName: name}); errorCode(err) != "ActiveInstanceRefreshNotFound" {
		t.Errorf("a second cancel: %v, want ActiveInstanceRefreshNotFound", err)
	}
	waitRefresh(t, c, "app", again, asgtypes.InstanceRefreshStatusCancelled)
}

// checkGroupActions: capacity out of range, terminate with decrement,
// scaling activities, delete refused with instances, then forced.
func checkGroupActions(t *testing.T, c *asg.Client) {
	t.Helper()
	ctx := context.Background()
	name := aws.String("app")
	if _, err := c.SetDesiredCapacity(ctx, &asg.SetDesiredCapacityInput{AutoScalingGroupName: name, DesiredCapacity: aws.Int32(9)}); errorCode(err) != "ValidationError" {
		t.Errorf("desired capacity above max: %v, want ValidationError", err)
	}
	g := describeGroup(t, c, "app")
	victim := aws.ToString(g.Instances[0].InstanceId)
	if _, err := c.TerminateInstanceInAutoScalingGroup(ctx, &asg.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(victim),
		ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, victim+" gone from the group", time.Minute, func() bool {
		g = describeGroup(t, c, "app")
		return len(g.Instances) == 1 && aws.ToString(g.Instances[0].InstanceId) != victim
	})
	if aws.ToInt32(g.DesiredCapacity) != 1 {
		t.Errorf("desired capacity after terminating with decrement: %d, want 1", aws.ToInt32(g.DesiredCapacity))
	}
	acts, err := c.DescribeScalingActivities(ctx, &asg.DescribeScalingActivitiesInput{AutoScalingGroupName: name, MaxRecords: aws.Int32(3)})
	if err != nil || len(acts.Activities) != 3 || acts.NextToken == nil {
		t.Errorf("DescribeScalingActivities (3 a page): %+v %v", acts, err)
	}
	checkPages(t, c)
	if _, err := c.DeleteAutoScalingGroup(ctx, &asg.DeleteAutoScalingGroupInput{AutoScalingGroupName: name}); errorCode(err) != "ResourceInUse" {
		t.Errorf("deleting a group with instances: %v, want ResourceInUse", err)
	}
	if _, err := c.DeleteAutoScalingGroup(ctx, &asg.DeleteAutoScalingGroupInput{AutoScalingGroupName: name, ForceDelete: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "group app deleted", time.Minute, func() bool {
		out, err := c.DescribeAutoScalingGroups(ctx, &asg.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"app"}})
		return err == nil && len(out.AutoScalingGroups) == 0
	})
}

// checkPages: an empty group beside app; the SDK's paginator reads both,
// one a page.
func checkPages(t *testing.T, c *asg.Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateAutoScalingGroup(ctx, &asg.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("empty"),
		LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("app")},
		MinSize:        aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1c"}}); err != nil {
		t.Fatal(err)
	}
	var names []string
	pages := asg.NewDescribeAutoScalingGroupsPaginator(c, &asg.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(1)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.AutoScalingGroups {
			names = append(names, aws.ToString(g.AutoScalingGroupName))
			if aws.ToString(g.AutoScalingGroupName) == "empty" && (aws.ToString(g.LaunchTemplate.Version) != "$Default" ||
				len(g.AvailabilityZones) != 1 || g.AvailabilityZones[0] != "us-east-1c") {
				t.Errorf("group empty: %+v, want launch template version $Default in us-east-1c", g)
			}
		}
	}
	if len(names) != 2 || names[0] != "app" || names[1] != "empty" {
		t.Errorf("DescribeAutoScalingGroups one a page: %v, want app, empty", names)
	}
}
