package awsapi

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// asgRequest is an Auto Scaling request with the form kv, on a backend
// with no services (AWS's clock).
func asgRequest(kv ...string) *Request {
	var svc *Service
	for _, s := range newServices() {
		if s.Name == "autoscaling" {
			svc = s
		}
	}
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return &Request{Backend: &Backend{Sandbox: "unit"}, Service: svc, Params: Params{v: v, svc: svc}}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRefreshPreferencesMapOntoCattles(t *testing.T) {
	r := asgRequest("Preferences.MinHealthyPercentage", "50", "Preferences.MaxHealthyPercentage", "150",
		"Preferences.InstanceWarmup", "30", "Preferences.CheckpointPercentages.member.1", "20",
		"Preferences.CheckpointPercentages.member.2", "100", "Preferences.CheckpointDelay", "600",
		"Preferences.SkipMatching", "true", "Preferences.AutoRollback", "true", "Preferences.BakeTime", "0",
		"Preferences.ScaleInProtectedInstances", "Wait", "Strategy", "Rolling")
	spec, err := refreshSpec(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	d := func(s int) *autoscaling.Duration {
		v := autoscaling.Duration(time.Duration(s) * time.Second)
		return &v
	}
	want := autoscaling.RefreshSpec{MinHealthyPercentage: ptr(50), MaxHealthyPercentage: ptr(150), InstanceWarmup: d(30),
		CheckpointPercentages: []int{20, 100}, CheckpointDelay: d(600), SkipMatching: true, AutoRollback: true, BakeTime: d(0)}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("preferences read as %+v, want %+v", spec, want)
	}
	for _, bad := range [][]string{
		{"Strategy", "ReplaceRootVolume"},
		{"Preferences.StandbyInstances", "Sometimes"},
		{"Preferences.AlarmSpecification.Alarms.member.1", "high-latency"},
		{"Preferences.InstanceWarmup", "-1"},
		{"Preferences.SkipMatching", "maybe"},
		{"Preferences.CheckpointPercentages.member.1", "half"},
	} {
		if _, err := refreshSpec(t.Context(), asgRequest(bad...)); code(err) != "ValidationError" {
			t.Errorf("%v: %v, want ValidationError", bad, err)
		}
	}
}

func ptr(n int) *int { return &n }

func TestPolicyTypesAndMetrics(t *testing.T) {
	spec, err := policySpec(asgRequest("PolicyType", "TargetTrackingScaling",
		"TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "ALBRequestCountPerTarget",
		"TargetTrackingConfiguration.TargetValue", "120.5", "TargetTrackingConfiguration.DisableScaleIn", "true"), "rps")
	if err != nil || spec.TargetRequestsPerTarget != 120.5 || spec.TargetCPU != 0 || !spec.DisableScaleIn || spec.Name != "rps" {
		t.Errorf("ALB request count policy read as %+v (%v)", spec, err)
	}
	spec, err = policySpec(asgRequest("PolicyType", "TargetTrackingScaling",
		"TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "ASGAverageCPUUtilization",
		"TargetTrackingConfiguration.TargetValue", "40"), "cpu")
	if err != nil || spec.TargetCPU != 40 {
		t.Errorf("CPU policy read as %+v (%v)", spec, err)
	}
	// As AWS, no PolicyType means SimpleScaling, which the service refuses
	// as not modelled.
	if spec, err := policySpec(asgRequest(), "p"); err != nil || spec.PolicyType != "SimpleScaling" {
		t.Errorf("a policy without PolicyType: %+v (%v), want SimpleScaling", spec, err)
	}
	for _, bad := range [][]string{
		{"PolicyType", "TargetTrackingScaling", "TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "ASGAverageNetworkIn", "TargetTrackingConfiguration.TargetValue", "1"},
		{"PolicyType", "TargetTrackingScaling", "TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "ASGAverageCPUUtilization", "TargetTrackingConfiguration.TargetValue", "0"},
		{"PolicyType", "TargetTrackingScaling", "TargetTrackingConfiguration.CustomizedMetricSpecification.MetricName", "Queue"},
	} {
		if _, err := policySpec(asgRequest(bad...), "p"); code(err) != "ValidationError" {
			t.Errorf("%v: %v, want ValidationError", bad, err)
		}
	}
}

func TestGroupZonesFromSubnetsOrZones(t *testing.T) {
	b := &Backend{Sandbox: "unit"}
	zones, err := zonesOf(asgRequest("VPCZoneIdentifier", b.SubnetID("zone-b")+", "+b.SubnetID("zone-a")))
	if err != nil || !reflect.DeepEqual(zones, []string{"zone-b", "zone-a"}) {
		t.Errorf("VPCZoneIdentifier read as %v (%v), want zone-b, zone-a", zones, err)
	}
	zones, err = zonesOf(asgRequest("AvailabilityZones.member.1", "us-east-1c"))
	if err != nil || !reflect.DeepEqual(zones, []string{"zone-c"}) {
		t.Errorf("AvailabilityZones read as %v (%v), want zone-c", zones, err)
	}
	if _, err := zonesOf(asgRequest("VPCZoneIdentifier", "subnet-0123456789abcdef0")); code(err) != "ValidationError" {
		t.Errorf("an unknown subnet: %v, want ValidationError", err)
	}
	if _, err := zonesOf(asgRequest("AvailabilityZones.member.1", "eu-west-1a")); code(err) != "ValidationError" {
		t.Errorf("an unknown zone: %v, want ValidationError", err)
	}
}

func TestServiceConflictsKeepTheirAWSCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{errdefs.Conflict("ActiveInstanceRefreshNotFound: group web has no instance refresh in progress to cancel"), "ActiveInstanceRefreshNotFound"},
		{errdefs.Conflict("ScalingActivityInProgress: the group has a scaling activity in progress"), "ScalingActivityInProgress"},
		{errdefs.Conflict("group web already has instance refresh rf-1 InProgress"), "InstanceRefreshInProgress"},
	} {
		if got := code(asgError(c.err, "InstanceRefreshInProgress")); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
	}
	if !irreversible.MatchString("refresh rf-1 cannot be rolled back: its configuration is $Latest") ||
		irreversible.MatchString("refresh rf-1 already succeeded, and a finished refresh cannot be rolled back: start a new refresh") {
		t.Error("RollbackInstanceRefresh tells an irreversible refresh from a finished one by cattle's message")
	}
}

func TestOneActivityPerInstance(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	acts := shapeActivities("web", store.Event{Seq: 7, Time: at, Kind: autoscaling.EventLaunch, Message: "launched i-a (zone-a), i-b (zone-b) from web:2",
		Fields: map[string]string{"instances": "i-a,i-b"}})
	if len(acts) != 2 || acts[0].Description != "Launching a new EC2 instance: i-a" || acts[1].Description != "Launching a new EC2 instance: i-b" ||
		acts[0].ActivityId == acts[1].ActivityId || acts[0].StatusCode != "Successful" || acts[0].StartTime != "2026-12-03T10:00:00.000Z" {
		t.Errorf("a launch of two instances: %+v", acts)
	}
	acts = shapeActivities("web", store.Event{Seq: 8, Time: at, Kind: autoscaling.EventLaunchFailed, Message: "launching from web:3 failed"})
	if len(acts) != 1 || acts[0].StatusCode != "Failed" || acts[0].StatusMessage == "" {
		t.Errorf("a failed launch: %+v", acts)
	}
}
