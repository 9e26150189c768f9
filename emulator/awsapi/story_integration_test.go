package awsapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	asg "github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// storyTemplate makes launch template story through EC2: v1, v2 from
// SourceVersion 1, and a v3 whose health check fails. It returns its id.
func storyTemplate(ctx context.Context, t *testing.T, c *ec2.Client) string {
	t.Helper()
	ud := func(env string) *string {
		return aws.String(base64.StdEncoding.EncodeToString([]byte("#cattle:port 8080\n#cattle:health /healthz\n" + env)))
	}
	lt, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("story"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(demoImage(ctx, t, c)),
			UserData: ud("#cattle:env DEMO_VERSION=v1\n")}})
	if err != nil {
		t.Fatal(err)
	}
	id := lt.LaunchTemplate.LaunchTemplateId
	for _, env := range []string{"#cattle:env DEMO_VERSION=v2\n", "#cattle:env DEMO_VERSION=v3\n#cattle:env DEMO_FAIL_HEALTH=1\n"} {
		if _, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: id,
			SourceVersion: aws.String("1"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{UserData: ud(env)}}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(id)
}

// storyNetwork is what the story's load balancer and group are placed in:
// the default subnets of the first two zones, as DescribeSubnets gives them.
func storyNetwork(ctx context.Context, t *testing.T, c *ec2.Client) []string {
	t.Helper()
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("default-for-az"), Values: []string{"true"}},
		{Name: aws.String("availability-zone"), Values: []string{"us-east-1a", "us-east-1b"}}}})
	if err != nil || len(out.Subnets) != 2 {
		t.Fatalf("DescribeSubnets of us-east-1a and b: %+v %v", out, err)
	}
	return []string{aws.ToString(out.Subnets[0].SubnetId), aws.ToString(out.Subnets[1].SubnetId)}
}

// storyALB makes target group story, load balancer story and its listener
// through ELBv2; it returns the target group's ARN and the listener's address.
func storyALB(ctx context.Context, t *testing.T, c *elbv2.Client, subnets []string) (string, string) {
	t.Helper()
	tg := createTargetGroup(t, c, "story")
	lb, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("story"), Subnets: subnets})
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

func instanceIDs(g asgtypes.AutoScalingGroup) []string {
	var ids []string
	for _, in := range g.Instances {
		ids = append(ids, aws.ToString(in.InstanceId))
	}
	return ids
}

// The tour through the SDKs alone: a launch template, a target group,
// load balancer and listener, a group of 3 behind them; a refresh to v2
// under load without a failed request; a broken v3 rolled back by itself;
// a refresh rolled back on request; EC2's own waiters on the instances.
func TestIntegrationAWSStoryThroughTheSDKs(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	ctx := context.Background()
	e, lbc, c := ec2Client(t, s, ""), elbv2Client(t, s), asgClient(t, s)
	ltID := storyTemplate(ctx, t, e)
	subnets := storyNetwork(ctx, t, e)
	tg, addr := storyALB(ctx, t, lbc, subnets)
	if _, err := c.CreateAutoScalingGroup(ctx, &asg.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("story"),
		LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("1")},
		MinSize:        aws.Int32(2), MaxSize: aws.Int32(6), DesiredCapacity: aws.Int32(3),
		VPCZoneIdentifier: aws.String(subnets[0] + "," + subnets[1]), TargetGroupARNs: []string{tg},
		HealthCheckType: aws.String("ELB"), HealthCheckGracePeriod: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	v1 := instanceIDs(waitInService(t, c, "story", 3, "1"))
	if err := ec2.NewInstanceRunningWaiter(e).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: v1}, 2*time.Minute); err != nil {
		t.Fatal(err)
	}

	load, err := loadgen.Start(ctx, loadgen.Config{Name: "story", URL: "http://" + addr + "/", Freq: 200, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	prefs := &asgtypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(50), SkipMatching: aws.Bool(true)}
	waitRefresh(t, c, "story", startStoryRefresh(t, c, ltID, "2", prefs), asgtypes.InstanceRefreshStatusSuccessful)
	load.Stop()
	failed, total := 0, len(load.Records())
	for _, r := range load.Records() {
		if r.Status != http.StatusOK {
			failed++
		}
	}
	if failed > 0 || total == 0 {
		t.Errorf("%d of %d requests through the listener failed during the refresh to v2", failed, total)
	}
	t.Logf("refresh to v2 under load: %d requests, %d failed", total, failed)
	waitInService(t, c, "story", 3, "2")
	if err := ec2.NewInstanceTerminatedWaiter(e).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: v1}, 2*time.Minute); err != nil {
		t.Errorf("the v1 instances the refresh replaced: %v", err)
	}

	prefs.AutoRollback = aws.Bool(true)
	r := waitRefresh(t, c, "story", startStoryRefresh(t, c, ltID, "3", prefs), asgtypes.InstanceRefreshStatusRollbackSuccessful)
	if r.RollbackDetails == nil {
		t.Errorf("the refresh to the broken v3 rolled back without RollbackDetails: %+v", r)
	}
	waitInService(t, c, "story", 3, "2")

	manual := startStoryRefresh(t, c, ltID, "1", held())
	testutil.WaitFor(t, "refresh "+manual+" at its checkpoint", 2*time.Minute, func() bool {
		return aws.ToInt32(describeRefresh(t, c, "story", manual).PercentageComplete) >= 33
	})
	if _, err := c.RollbackInstanceRefresh(ctx, &asg.RollbackInstanceRefreshInput{AutoScalingGroupName: aws.String("story")}); err != nil {
		t.Fatal(err)
	}
	waitRefresh(t, c, "story", manual, asgtypes.InstanceRefreshStatusRollbackSuccessful)
	waitInService(t, c, "story", 3, "2")
}

func startStoryRefresh(t *testing.T, c *asg.Client, ltID, version string, prefs *asgtypes.RefreshPreferences) string {
	t.Helper()
	out, err := c.StartInstanceRefresh(context.Background(), &asg.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("story"),
		DesiredConfiguration: &asgtypes.DesiredConfiguration{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{
			LaunchTemplateId: aws.String(ltID), Version: aws.String(version)}},
		Preferences: prefs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.InstanceRefreshId)
}
