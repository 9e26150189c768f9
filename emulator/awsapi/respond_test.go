package awsapi

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator/compute"
)

func service(name string) *Service {
	for _, s := range newServices() {
		if s.Name == name {
			return s
		}
	}
	panic(name)
}

func TestQueryResultsInEachServiceShape(t *testing.T) {
	type result struct {
		Names []string `xml:"AutoScalingGroupNames>member"`
	}
	w := httptest.NewRecorder()
	writeResult(w, service("autoscaling"), "DescribeThings", "req-1", result{Names: []string{"a", "b"}})
	want := `<DescribeThingsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeThingsResult>` +
		`<AutoScalingGroupNames><member>a</member><member>b</member></AutoScalingGroupNames></DescribeThingsResult>` +
		`<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DescribeThingsResponse>`
	if got := strings.TrimPrefix(w.Body.String(), xml.Header); got != want {
		t.Errorf("Auto Scaling:\n got %s\nwant %s", got, want)
	}
	w = httptest.NewRecorder()
	writeResult(w, service("elasticloadbalancing"), "DeleteThing", "req-2", nil)
	// AWS answers an empty result element, and the SDK's ELBv2
	// deserializers fail without one.
	want = `<DeleteThingResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">` +
		`<DeleteThingResult></DeleteThingResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DeleteThingResponse>`
	if got := strings.TrimPrefix(w.Body.String(), xml.Header); got != want {
		t.Errorf("an empty ELBv2 result:\n got %s\nwant %s", got, want)
	}
	w = httptest.NewRecorder()
	writeResult(w, service("ec2"), "DescribeThings", "req-3", struct {
		IDs []string `xml:"thingSet>item"`
	}{[]string{"x-1"}})
	want = `<DescribeThingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-3</requestId>` +
		`<thingSet><item>x-1</item></thingSet></DescribeThingsResponse>`
	if got := strings.TrimPrefix(w.Body.String(), xml.Header); got != want {
		t.Errorf("EC2:\n got %s\nwant %s", got, want)
	}
	w = httptest.NewRecorder()
	writeResult(w, service("ecr"), "DescribeThings", "req-4", map[string]any{"repositories": []string{}})
	if w.Body.String() != `{"repositories":[]}` || w.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("ECR: %s %v", w.Body, w.Header())
	}
}

func TestUserDataDirectivesRoundTrip(t *testing.T) {
	script := "#cattle:env B=2\n#cattle:env A=x=y\n#cattle:port 8080\n#cattle:health /healthz\n#!/bin/sh\necho hi"
	var d compute.TemplateData
	if err := applyUserData(&d, base64.StdEncoding.EncodeToString([]byte(script))); err != nil {
		t.Fatal(err)
	}
	if d.Env["A"] != "x=y" || d.Env["B"] != "2" || d.Port != 8080 || d.Health.Path != "/healthz" || d.UserData != "#!/bin/sh\necho hi" {
		t.Fatalf("parsed: %+v", d)
	}
	got, _ := base64.StdEncoding.DecodeString(userData(d))
	if want := "#cattle:env A=x=y\n#cattle:env B=2\n#cattle:port 8080\n#cattle:health /healthz\n#!/bin/sh\necho hi"; string(got) != want {
		t.Errorf("written back:\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("#cattle:port http")),
		base64.StdEncoding.EncodeToString([]byte("#cattle:volume /data"))} {
		var e *Error
		if err := applyUserData(&d, bad); !errors.As(err, &e) || e.Code != "InvalidUserData.Malformed" {
			t.Errorf("user data %q: %v", bad, err)
		}
	}
}

func TestFiltersAndPages(t *testing.T) {
	p := params("ec2", "Filter.1.Name=tag:env&Filter.1.Value.1=prod*&Filter.1.Value.2=dev&Filter.2.Name=tag-key&Filter.2.Value.1=team")
	f := p.filters()
	for tags, want := range map[string]bool{"env=production,team=a": true, "env=dev,team=b": true, "env=test,team=c": false, "env=prod": false} {
		m := map[string]string{}
		for kv := range strings.SplitSeq(tags, ",") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		if f.matchTags(m) != want {
			t.Errorf("tags %s: matched %v, want %v", tags, !want, want)
		}
	}
	start, end, next, err := params("ec2", "MaxResults=5").page(12, 5, 1000)
	if err != nil || start != 0 || end != 5 || next == "" {
		t.Fatalf("page 1: %d %d %q %v", start, end, next, err)
	}
	start, end, _, _ = params("ec2", "MaxResults=5&NextToken="+next).page(12, 5, 1000)
	if start != 5 || end != 10 {
		t.Errorf("page 2: %d-%d", start, end)
	}
	if _, _, _, err := params("ec2", "NextToken=forged").page(12, 5, 1000); err == nil || !strings.Contains(err.Error(), "InvalidPaginationToken") {
		t.Errorf("a forged token: %v", err)
	}
	if _, _, _, err := params("ec2", "MaxResults=2").page(12, 5, 1000); err == nil || !strings.Contains(err.Error(), "MaxResults") {
		t.Errorf("MaxResults below 5: %v", err)
	}
}

func TestDefaultNetworkIsStableAndMapsZones(t *testing.T) {
	a, b := &Backend{Sandbox: "one"}, &Backend{Sandbox: "two"}
	if a.SubnetID("zone-b") != (&Backend{Sandbox: "one"}).SubnetID("zone-b") || a.SubnetID("zone-b") == b.SubnetID("zone-b") {
		t.Error("subnet ids must be the same for a sandbox and differ between sandboxes")
	}
	if z, ok := a.ZoneOfSubnet(a.SubnetID("zone-c")); !ok || z != "zone-c" {
		t.Errorf("ZoneOfSubnet: %q %v", z, ok)
	}
	if _, ok := a.ZoneOfSubnet(b.SubnetID("zone-c")); ok {
		t.Error("another sandbox's subnet must not map")
	}
	if z, ok := ZoneOfAZ("us-east-1a"); !ok || z != "zone-a" || AZName("zone-b") != "us-east-1b" {
		t.Errorf("zones: %q %v %q", z, ok, AZName("zone-b"))
	}
	r := &Request{Backend: a, Params: params("ec2", "SubnetId.1=subnet-00000000000000000")}
	if _, err := describeSubnets(context.Background(), r); err == nil || !strings.Contains(err.Error(), "InvalidSubnetID.NotFound") {
		t.Errorf("an unknown subnet: %v", err)
	}
}
