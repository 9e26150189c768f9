package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// ec2Client is an SDK client for the sandbox's endpoint, signing with
// secret ("" for the sandbox's own).
func ec2Client(t *testing.T, s *emulatortest.Sandbox, secret string) *ec2.Client {
	t.Helper()
	creds, err := awsapi.ReadCredentials(emulator.PathsIn(s.StateDir).AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if secret == "" {
		secret = creds.SecretAccessKey
	}
	return ec2.NewFromConfig(aws.Config{Region: awsapi.Region, BaseEndpoint: aws.String("http://" + s.Daemon.AWSAddr()),
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, secret, "")})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// demoImage is the AMI id DescribeImages gives the built-in demo image.
func demoImage(ctx context.Context, t *testing.T, c *ec2.Client) string {
	t.Helper()
	out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range out.Images {
		if strings.HasPrefix(aws.ToString(img.Name), "builtin/demo") {
			return aws.ToString(img.ImageId)
		}
	}
	t.Fatalf("DescribeImages lists no builtin/demo: %+v", out.Images)
	return ""
}

// makeTemplate makes launch template it-web: version 1 with the demo image
// on port 8080, version 2 from SourceVersion 1 as t3.nano, the default.
func makeTemplate(ctx context.Context, t *testing.T, c *ec2.Client) string {
	t.Helper()
	ud := base64.StdEncoding.EncodeToString([]byte("#cattle:port 8080\n#cattle:env DEMO_VERSION=v1\necho hello"))
	lt, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("it-web"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(demoImage(ctx, t, c)), UserData: aws.String(ud),
			TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{{ResourceType: types.ResourceTypeInstance,
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(lt.LaunchTemplate.LaunchTemplateId)
	// Without SourceVersion nothing is inherited: not even the image.
	_, err = c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Nano}})
	if apiCode(err) != "MissingParameter" {
		t.Fatalf("a version without SourceVersion or image: %v", err)
	}
	v2, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id),
		SourceVersion: aws.String("1"), LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Nano}})
	if err != nil {
		t.Fatal(err)
	}
	data := v2.LaunchTemplateVersion.LaunchTemplateData
	if got, _ := base64.StdEncoding.DecodeString(aws.ToString(data.UserData)); !strings.Contains(string(got), "#cattle:port 8080") ||
		aws.ToInt64(v2.LaunchTemplateVersion.VersionNumber) != 2 || data.InstanceType != types.InstanceTypeT3Nano {
		t.Fatalf("version 2 from SourceVersion 1: %+v user data %q", data, got)
	}
	if _, err := c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(id), DefaultVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIntegrationEC2ThroughTheSDK(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	c := ec2Client(t, s, "")
	ltID := makeTemplate(ctx, t, c)
	run := func(n int32, zone string) []string {
		in := &ec2.RunInstancesInput{MinCount: aws.Int32(n), MaxCount: aws.Int32(n),
			LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: aws.String("it-web")}}
		if zone != "" {
			in.Placement = &types.Placement{AvailabilityZone: aws.String(zone)}
		}
		out, err := c.RunInstances(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, i := range out.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
			if zone != "" && aws.ToString(i.Placement.AvailabilityZone) != zone {
				t.Errorf("instance %s placed in %s, not %s", *i.InstanceId, *i.Placement.AvailabilityZone, zone)
			}
		}
		return ids
	}
	ids := append(run(2, "us-east-1b"), run(4, "")...)
	if err := ec2.NewInstanceRunningWaiter(c).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceStatusOkWaiter(c).Wait(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: ids}, time.Minute); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), Filters: []types.Filter{
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
		{Name: aws.String("tag:team"), Values: []string{"web"}},
		{Name: aws.String("tag:aws:ec2launchtemplate:id"), Values: []string{ltID}},
	}})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				seen[aws.ToString(i.InstanceId)] = i.State.Name == types.InstanceStateNameRunning && aws.ToInt32(i.State.Code) == 16 &&
					i.InstanceType == types.InstanceTypeT3Nano
			}
		}
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("instance %s missing from the filtered pages, or not a running t3.nano: %v", id, seen)
		}
	}
	checkTags(ctx, t, c, ids)
	checkStopStart(ctx, t, c, ids[0])
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceTerminatedWaiter(c).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids[:1]}); apiCode(err) != "IncorrectInstanceState" {
		t.Errorf("starting a terminated instance: %v, want IncorrectInstanceState", err)
	}
	checkRefusals(ctx, t, s, c)
	checkBadInputNeverFails(ctx, t, s)
	checkKeptAcrossRestart(ctx, t, s, c)
}

// checkStopStart stops an instance and starts it again with the SDK's
// waiters: stopped it does not answer, started it answers at its new
// address.
func checkStopStart(ctx context.Context, t *testing.T, c *ec2.Client, id string) {
	t.Helper()
	in := &ec2.DescribeInstancesInput{InstanceIds: []string{id}}
	out, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.StoppingInstances) != 1 || out.StoppingInstances[0].PreviousState.Name != types.InstanceStateNameRunning {
		t.Fatalf("StopInstances: %v %+v", err, out)
	}
	if err := ec2.NewInstanceStoppedWaiter(c).Wait(ctx, in, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceRunningWaiter(c).Wait(ctx, in, time.Minute); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeInstances(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	addr := aws.ToString(d.Reservations[0].Instances[0].PublicDnsName)
	testutil.WaitFor(t, "the started instance answering at "+addr, 30*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// checkRefusals: a wrong secret, an unknown action, an unknown instance.
func checkRefusals(ctx context.Context, t *testing.T, s *emulatortest.Sandbox, c *ec2.Client) {
	t.Helper()
	_, err := ec2Client(t, s, "wrong-secret").DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("a wrong secret: %v", err)
	}
	_, err = c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
	if apiCode(err) != "InvalidAction" || !strings.Contains(err.Error(), "DescribeKeyPairs") {
		t.Errorf("an unknown action: %v", err)
	}
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	if apiCode(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("an unknown instance: %v", err)
	}
}

// checkKeptAcrossRestart: the endpoint's port, keys and the default
// network's ids are the same after a restart.
func checkKeptAcrossRestart(ctx context.Context, t *testing.T, s *emulatortest.Sandbox, c *ec2.Client) {
	t.Helper()
	before, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(before.Subnets) != 3 {
		t.Fatalf("DescribeSubnets: %v %+v", err, before)
	}
	addr := s.Daemon.AWSAddr()
	s.Crash(t)
	s.Restart(t)
	if s.Daemon.AWSAddr() != addr {
		t.Errorf("the endpoint moved from %s to %s", addr, s.Daemon.AWSAddr())
	}
	after, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{
		{Name: aws.String("availability-zone"), Values: []string{"us-east-1a"}}}})
	if err != nil || len(after.Subnets) != 1 || aws.ToString(after.Subnets[0].SubnetId) != aws.ToString(before.Subnets[0].SubnetId) {
		t.Errorf("us-east-1a's subnet after a restart: %v %+v, before %+v", err, after, before.Subnets[0])
	}
}

// ec2ActionNames are the EC2 actions the coverage page lists.
func ec2ActionNames() []string {
	var names []string
	_, ec2Part, _ := strings.Cut(awsapi.CoverageMarkdown(), "## EC2")
	ec2Part, _, _ = strings.Cut(ec2Part, "\n## ")
	for line := range strings.SplitSeq(ec2Part, "\n") {
		if f := strings.Split(line, "|"); len(f) > 2 && strings.TrimSpace(f[1]) != "Action" && !strings.HasPrefix(f[1], "-") {
			names = append(names, strings.TrimSpace(f[1]))
		}
	}
	return names
}

// checkBadInputNeverFails sends each EC2 action nothing, then nonsense: it
// answers a 4xx in EC2's error shape every time, and serves on.
func checkBadInputNeverFails(ctx context.Context, t *testing.T, s *emulatortest.Sandbox) {
	t.Helper()
	creds, err := awsapi.ReadCredentials(emulator.PathsIn(s.StateDir).AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	nonsense := url.Values{"InstanceId.1": {"i-x"}, "LaunchTemplateName": {"no such\x00"}, "LaunchTemplateId": {"lt-zz"},
		"MaxResults": {"-1"}, "Filter.1.Name": {"bogus"}, "Filter.1.Value.1": {"["}, "SetDefaultVersion": {"abc"},
		"LaunchTemplateData.UserData": {"%%%"}, "MinCount": {"9999"}, "MaxCount": {"x"}, "NextToken": {"zzz"},
		"LaunchTemplate.LaunchTemplateName": {"nope"}, "SubnetId.1": {"subnet-1"}, "ImageId.1": {"ami-1"}, "InstanceType.1": {"t9.huge"},
		"VpcId.1": {"vpc-1"}, "GroupName.1": {"web"}, "Owner.1": {"someone"}, "SourceVersion": {"99"}}
	names := ec2ActionNames()
	if len(names) < 15 {
		t.Fatalf("the coverage page lists only %v", names)
	}
	for _, name := range names {
		for _, extra := range []url.Values{{}, nonsense} {
			form := url.Values{"Action": {name}, "Version": {"2016-11-15"}}
			for k, v := range extra {
				form[k] = v
			}
			status, body := signedPost(ctx, t, s.Daemon.AWSAddr(), creds, form.Encode())
			if status >= 500 || (status >= 400 && !strings.Contains(body, "<Response><Errors><Error><Code>")) {
				t.Errorf("%s with %d bad parameters: %d %s", name, len(extra), status, body)
			}
		}
	}
}

func signedPost(ctx context.Context, t *testing.T, addr string, creds awsapi.Credentials, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	ac := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, ac, req, hex.EncodeToString(sum[:]), "ec2", awsapi.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkTags tags one instance, finds it by the tag, and deletes the tag.
func checkTags(ctx context.Context, t *testing.T, c *ec2.Client, ids []string) {
	t.Helper()
	byRole := &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String("tag:role"), Values: []string{"canary"}}}}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("canary")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeInstances(ctx, byRole)
	if err != nil || len(out.Reservations) != 1 || aws.ToString(out.Reservations[0].Instances[0].InstanceId) != ids[0] {
		t.Fatalf("the instance tagged role=canary: %v %+v", err, out)
	}
	if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("role")}}}); err != nil {
		t.Fatal(err)
	}
	if out, err = c.DescribeInstances(ctx, byRole); err != nil || len(out.Reservations) != 0 {
		t.Errorf("role=canary after DeleteTags: %v %+v", err, out)
	}
}
