package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

func instanceActions() []Action {
	return []Action{
		{Name: "RunInstances", Handler: runInstances,
			Note: "from a launch template only (LaunchTemplate, MinCount, MaxCount, Placement.AvailabilityZone or SubnetId, " +
				"instance TagSpecifications); the template's ImageId, InstanceType and UserData cannot be overridden; " +
				"answers once the containers have started, so instances are already running (or terminated, if the launch failed)"},
		{Name: "DescribeInstances", Handler: describeInstances,
			Note: "one reservation per instance; filters instance-id, instance-state-name, instance-state-code, instance-type, " +
				"availability-zone, image-id, subnet-id, vpc-id, tag:KEY, tag-key (launch templates: tag:aws:ec2launchtemplate:id); " +
				"publicDnsName is the 127.0.0.1:PORT the instance's port is published on; no private addresses"},
		{Name: "DescribeInstanceStatus", Handler: describeInstanceStatus,
			Note: "a running instance's system and instance checks are ok (its container runs); the load balancer's health checks are not counted; filters instance-state-name and availability-zone"},
		{Name: "TerminateInstances", Handler: terminateInstances,
			Note: "answers shutting-down at once and finishes in the background, as AWS does"},
		{Name: "CreateTags", Handler: createTags, Note: "instances only (ResourceId i-...); at most 50 tags an instance"},
		{Name: "DeleteTags", Handler: deleteTags, Note: "instances only; a Tag with a Value deletes the tag only when it has that value"},
		{Name: "StopInstances", Handler: stopInstances, Note: "answers once the containers stopped (stopped, not stopping); Hibernate and Force are ignored; a group's stopped instance is replaced"},
		{Name: "StartInstances", Handler: startInstances, Note: "answers once the containers run again, at a new 127.0.0.1 port"},
	}
}

var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)

type ec2State struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateOf(inst compute.Instance) ec2State {
	return ec2State{Code: compute.StateCode(inst.State), Name: inst.State}
}

type ec2Instance struct {
	InstanceID   string   `xml:"instanceId"`
	ImageID      string   `xml:"imageId"`
	State        ec2State `xml:"instanceState"`
	PrivateDNS   string   `xml:"privateDnsName"`
	PublicDNS    string   `xml:"dnsName"`
	Reason       string   `xml:"reason"`
	LaunchIndex  int      `xml:"amiLaunchIndex"`
	InstanceType string   `xml:"instanceType"`
	LaunchTime   string   `xml:"launchTime"`
	Placement    struct {
		AZ      string `xml:"availabilityZone"`
		Tenancy string `xml:"tenancy"`
	} `xml:"placement"`
	Monitoring  string `xml:"monitoring>state"`
	SubnetID    string `xml:"subnetId"`
	VpcID       string `xml:"vpcId"`
	PublicIP    string `xml:"ipAddress,omitempty"`
	Arch        string `xml:"architecture"`
	RootDevType string `xml:"rootDeviceType"`
	Groups      []struct {
		ID   string `xml:"groupId"`
		Name string `xml:"groupName"`
	} `xml:"groupSet>item"`
	StateReason *struct {
		Code    string `xml:"code"`
		Message string `xml:"message"`
	} `xml:"stateReason,omitempty"`
	Tags       []ec2Tag `xml:"tagSet>item"`
	Virt       string   `xml:"virtualizationType"`
	Hypervisor string   `xml:"hypervisor"`
}

// instanceTags are an instance's tags with those AWS adds itself.
func instanceTags(inst compute.Instance) map[string]string {
	tags := maps.Clone(inst.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags["aws:ec2launchtemplate:id"] = inst.TemplateID
	tags["aws:ec2launchtemplate:version"] = strconv.Itoa(inst.TemplateVersion)
	if inst.Group != "" {
		tags["aws:autoscaling:groupName"] = inst.Group
	}
	return tags
}

func (b *Backend) toEC2Instance(inst compute.Instance) ec2Instance {
	out := ec2Instance{InstanceID: inst.ID, ImageID: inst.Image, State: stateOf(inst), PublicDNS: inst.Address,
		Reason: inst.StateReason, InstanceType: inst.InstanceType, LaunchTime: ec2Time(inst.LaunchedAt),
		Monitoring: "disabled", SubnetID: b.SubnetID(inst.Zone), VpcID: b.VpcID(), Arch: "x86_64",
		RootDevType: "ebs", Tags: ec2Tags(instanceTags(inst)), Virt: "hvm", Hypervisor: "xen"}
	if repo, _, ok := strings.Cut(inst.ImageRef, "@"); ok && inst.ImageDigest != "" {
		out.ImageID = ImageID(repo[strings.Index(repo, "/")+1:], inst.ImageDigest)
	}
	out.Placement.AZ, out.Placement.Tenancy = AZName(inst.Zone), "default"
	if inst.Address != "" {
		out.PublicIP = "127.0.0.1"
	}
	out.Groups = append(out.Groups, struct {
		ID   string `xml:"groupId"`
		Name string `xml:"groupName"`
	}{b.SecurityGroupID(), "default"})
	if inst.StateReason != "" {
		code, _, _ := strings.Cut(inst.StateReason, ":")
		out.StateReason = &struct {
			Code    string `xml:"code"`
			Message string `xml:"message"`
		}{code, inst.StateReason}
	}
	return out
}

// instanceFilters are the filter values of an instance.
func (b *Backend) instanceFilters(inst compute.Instance, e ec2Instance) map[string]string {
	return map[string]string{
		"instance-id": inst.ID, "instance-state-name": inst.State, "instance-state-code": strconv.Itoa(e.State.Code),
		"instance-type": inst.InstanceType, "availability-zone": e.Placement.AZ, "image-id": e.ImageID,
		"subnet-id": e.SubnetID, "vpc-id": e.VpcID,
	}
}

type ec2Reservation struct {
	ID        string        `xml:"reservationId"`
	OwnerID   string        `xml:"ownerId"`
	Instances []ec2Instance `xml:"instancesSet>item"`
}

func reservationID(instanceID string) string {
	sum := sha256.Sum256([]byte(instanceID))
	return "r-" + hex.EncodeToString(sum[:])[:17]
}

// lookupInstances finds every instance of ids, or AWS's error for the
// first malformed or unknown one (all or nothing).
func (r *Request) lookupInstances(ctx context.Context, ids []string) ([]compute.Instance, error) {
	var out []compute.Instance
	for _, id := range ids {
		if !instanceIDPattern.MatchString(id) {
			return nil, Errorf("InvalidInstanceID.Malformed", "Invalid id: \"%s\" (expecting \"i-...\")", id)
		}
		inst, err := r.Compute.Instance(ctx, id)
		if err != nil {
			return nil, Errorf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
		}
		out = append(out, inst)
	}
	return out, nil
}

var instanceFilterNames = []string{"instance-id", "instance-state-name", "instance-state-code", "instance-type",
	"availability-zone", "image-id", "subnet-id", "vpc-id", "tag-key"}

func describeInstances(ctx context.Context, r *Request) (any, error) {
	f := r.Params.filters()
	for name := range f {
		if !oneOf(name, instanceFilterNames) && !strings.HasPrefix(name, "tag:") {
			return nil, Errorf("InvalidParameterValue", "The filter '%s' is invalid: cattle filters instances by %s and tag:KEY",
				name, strings.Join(instanceFilterNames, ", "))
		}
	}
	ids := r.Params.List("InstanceId")
	if len(ids) > 0 && r.Params.Has("MaxResults") {
		return nil, Errorf("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	insts, err := r.lookupInstances(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		if insts, err = r.Compute.Instances(ctx); err != nil {
			return nil, err
		}
	}
	var picked []ec2Instance
	for _, inst := range insts {
		e := r.toEC2Instance(inst)
		vals, ok := r.instanceFilters(inst, e), f.matchTags(instanceTags(inst))
		for name, v := range vals {
			ok = ok && f.match(name, v)
		}
		if ok {
			picked = append(picked, e)
		}
	}
	start, end, next, err := r.Params.page(len(picked), 5, 1000)
	if err != nil {
		return nil, err
	}
	var out struct {
		Reservations []ec2Reservation `xml:"reservationSet>item"`
		NextToken    string           `xml:"nextToken,omitempty"`
	}
	for _, e := range picked[start:end] {
		out.Reservations = append(out.Reservations, ec2Reservation{ID: reservationID(e.InstanceID), OwnerID: Account, Instances: []ec2Instance{e}})
	}
	out.NextToken = next
	return out, nil
}

// runZone is the zone RunInstances' Placement.AvailabilityZone or SubnetId
// names ("" for none).
func (r *Request) runZone() (string, error) {
	var zone string
	if az := r.Params.Sub("Placement").String("AvailabilityZone"); az != "" {
		z, ok := ZoneOfAZ(az)
		if !ok {
			return "", Errorf("InvalidParameterValue", "Invalid availability zone: [%s] (use %s, %s or %s)", az,
				AZName("zone-a"), AZName("zone-b"), AZName("zone-c"))
		}
		zone = z
	}
	if sn := r.Params.String("SubnetId"); sn != "" {
		z, ok := r.ZoneOfSubnet(sn)
		if !ok {
			return "", Errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", sn)
		}
		if zone != "" && zone != z {
			return "", Errorf("InvalidParameterCombination", "subnet %s is in %s, not in Placement.AvailabilityZone %s", sn, AZName(z), AZName(zone))
		}
		zone = z
	}
	return zone, nil
}

// runCount is how many instances MinCount and MaxCount ask for.
func (r *Request) runCount() (int, error) {
	for _, k := range []string{"MinCount", "MaxCount"} {
		if _, err := r.Params.Required(k); err != nil {
			return 0, err
		}
	}
	lo, err := r.Params.Int("MinCount", 1)
	if err != nil {
		return 0, err
	}
	hi, err := r.Params.Int("MaxCount", 1)
	if err != nil {
		return 0, err
	}
	switch {
	case lo < 1 || hi < lo:
		return 0, Errorf("InvalidParameterValue", "MinCount (%d) must be at least 1 and at most MaxCount (%d)", lo, hi)
	case lo > compute.MaxRunCount:
		return 0, Errorf("InstanceLimitExceeded", "You have requested more instances (%d) than cattle launches at once (%d)", lo, compute.MaxRunCount)
	}
	return min(hi, compute.MaxRunCount), nil
}

func runInstances(ctx context.Context, r *Request) (any, error) {
	for _, k := range []string{"ImageId", "InstanceType", "UserData"} {
		if r.Params.Has(k) && (r.Params.Has("LaunchTemplate.LaunchTemplateId") || r.Params.Has("LaunchTemplate.LaunchTemplateName")) {
			return nil, Errorf("InvalidParameterCombination", "cattle runs the launch template's %s as it is: make a version with the %s you want instead", k, k)
		}
	}
	if !r.Params.Has("LaunchTemplate.LaunchTemplateId") && !r.Params.Has("LaunchTemplate.LaunchTemplateName") {
		return nil, Errorf("MissingParameter", "cattle launches instances from a launch template: give LaunchTemplate.LaunchTemplateId or LaunchTemplate.LaunchTemplateName (CreateLaunchTemplate makes one)")
	}
	lt := r.Params.Sub("LaunchTemplate")
	t, err := r.findTemplate(ctx, lt, "LaunchTemplateId", "LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	version := lt.String("Version")
	if _, err := r.Compute.ResolveVersion(ctx, t.Name, version); err != nil {
		return nil, versionNotFound(t, version, err)
	}
	count, err := r.runCount()
	if err != nil {
		return nil, err
	}
	zone, err := r.runZone()
	if err != nil {
		return nil, err
	}
	tags, _, err := instanceTagSpecs(r.Params)
	if err != nil {
		return nil, err
	}
	for k := range tags {
		if strings.HasPrefix(k, "aws:") {
			return nil, Errorf("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use: %s", k)
		}
	}
	insts, err := r.Compute.RunInstances(context.WithoutCancel(ctx),
		compute.RunRequest{Template: t.Name, Version: version, Count: count, Zone: zone, Tags: tags})
	if err != nil {
		return nil, err
	}
	res := ec2Reservation{ID: reservationID(insts[0].ID), OwnerID: Account}
	for i, inst := range insts {
		e := r.toEC2Instance(inst)
		e.LaunchIndex = i
		res.Instances = append(res.Instances, e)
	}
	return res, nil
}

type ec2StateChange struct {
	InstanceID string   `xml:"instanceId"`
	Current    ec2State `xml:"currentState"`
	Previous   ec2State `xml:"previousState"`
}

func terminateInstances(ctx context.Context, r *Request) (any, error) {
	ids := r.Params.List("InstanceId")
	if len(ids) == 0 {
		return nil, Errorf("MissingParameter", "the request must contain the parameter InstanceId.1")
	}
	before, err := r.lookupInstances(ctx, ids)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Compute.Terminate(context.WithoutCancel(ctx), ids, "Client.UserInitiatedShutdown: User initiated shutdown")
		if err != nil {
			slog.Warn("aws endpoint: terminating instances", "ids", ids, "err", err)
		}
		done <- err
	}()
	after := r.awaitLeaving(ctx, ids, done)
	var out struct {
		Changes []ec2StateChange `xml:"instancesSet>item"`
	}
	for i, inst := range before {
		out.Changes = append(out.Changes, ec2StateChange{InstanceID: inst.ID, Current: stateOf(after[i]), Previous: stateOf(inst)})
	}
	return out, nil
}

// awaitLeaving waits (a few seconds at most) until every instance of ids is
// shutting down or terminated, and returns them as they then are.
func (r *Request) awaitLeaving(ctx context.Context, ids []string, done <-chan error) []compute.Instance {
	deadline := time.Now().Add(5 * time.Second)
	for {
		insts, err := r.lookupInstances(ctx, ids)
		leaving := err == nil
		for _, inst := range insts {
			leaving = leaving && (inst.State == compute.StateShuttingDown || inst.State == compute.StateTerminated)
		}
		if leaving || time.Now().After(deadline) {
			return insts
		}
		select {
		case <-done:
			done = nil
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func stopInstances(ctx context.Context, r *Request) (any, error) {
	return changeInstances(ctx, r, r.Compute.Stop)
}

func startInstances(ctx context.Context, r *Request) (any, error) {
	return changeInstances(ctx, r, r.Compute.Start)
}

// changeInstances stops or starts the instances named, all or none, and
// answers each one's state before and after.
func changeInstances(ctx context.Context, r *Request, change func(context.Context, []string) ([]compute.Instance, error)) (any, error) {
	ids := r.Params.List("InstanceId")
	if len(ids) == 0 {
		return nil, Errorf("MissingParameter", "the request must contain the parameter InstanceId.1")
	}
	before, err := r.lookupInstances(ctx, ids)
	if err != nil {
		return nil, err
	}
	after, err := change(ctx, ids)
	if errors.Is(err, errdefs.ErrConflict) {
		return nil, Errorf("IncorrectInstanceState", "%s", err.Error())
	}
	if err != nil {
		return nil, err
	}
	var out struct {
		Changes []ec2StateChange `xml:"instancesSet>item"`
	}
	for i, inst := range before {
		out.Changes = append(out.Changes, ec2StateChange{InstanceID: inst.ID, Current: stateOf(after[i]), Previous: stateOf(inst)})
	}
	return out, nil
}

func describeInstanceStatus(ctx context.Context, r *Request) (any, error) {
	type status struct {
		InstanceID string   `xml:"instanceId"`
		AZ         string   `xml:"availabilityZone"`
		State      ec2State `xml:"instanceState"`
		System     string   `xml:"systemStatus>status"`
		Instance   string   `xml:"instanceStatus>status"`
	}
	all, err := r.Params.Bool("IncludeAllInstances", false)
	if err != nil {
		return nil, err
	}
	ids := r.Params.List("InstanceId")
	insts, err := r.lookupInstances(ctx, ids)
	if err == nil && len(ids) == 0 {
		insts, err = r.Compute.Instances(ctx)
	}
	if err != nil {
		return nil, err
	}
	f := r.Params.filters()
	var picked []status
	for _, inst := range insts {
		if (inst.State != compute.StateRunning && !all) || !f.match("instance-state-name", inst.State) || !f.match("availability-zone", AZName(inst.Zone)) {
			continue
		}
		st := status{InstanceID: inst.ID, AZ: AZName(inst.Zone), State: stateOf(inst), System: "not-applicable", Instance: "not-applicable"}
		if inst.State == compute.StateRunning {
			st.System, st.Instance = "ok", "ok"
		}
		picked = append(picked, st)
	}
	start, end, next, err := r.Params.page(len(picked), 5, 1000)
	if err != nil {
		return nil, err
	}
	return struct {
		Statuses  []status `xml:"instanceStatusSet>item"`
		NextToken string   `xml:"nextToken,omitempty"`
	}{picked[start:end], next}, nil
}

// tagTargets are the instances CreateTags and DeleteTags name in
// ResourceId.N: instances only.
func (r *Request) tagTargets(ctx context.Context) ([]string, error) {
	ids := r.Params.List("ResourceId")
	if len(ids) == 0 {
		return nil, Errorf("MissingParameter", "the request must contain the parameter ResourceId.1")
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "i-") {
			return nil, Errorf("InvalidID", "The ID '%s' is not valid: cattle tags instances (i-...) only", id)
		}
	}
	_, err := r.lookupInstances(ctx, ids)
	return ids, err
}

func createTags(ctx context.Context, r *Request) (any, error) {
	ids, err := r.tagTargets(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := r.Params.Tags("Tag")
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, Errorf("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use: %s", t.Key)
		}
	}
	err = r.Compute.UpdateInstanceTags(ctx, ids, func(m map[string]string) error {
		for _, t := range tags {
			m[t.Key] = t.Value
		}
		if len(m) > 50 {
			return Errorf("TagLimitExceeded", "an instance holds at most 50 tags, and this would make %d", len(m))
		}
		return nil
	})
	return struct {
		Return bool `xml:"return"`
	}{err == nil}, err
}

func deleteTags(ctx context.Context, r *Request) (any, error) {
	ids, err := r.tagTargets(ctx)
	if err != nil {
		return nil, err
	}
	specs := r.Params.Structs("Tag")
	err = r.Compute.UpdateInstanceTags(ctx, ids, func(m map[string]string) error {
		if len(specs) == 0 {
			clear(m) // no Tag.N: every tag goes, as AWS does
		}
		for _, s := range specs {
			v, ok := m[s.String("Key")]
			if ok && (!s.Has("Value") || s.String("Value") == v) {
				delete(m, s.String("Key"))
			}
		}
		return nil
	})
	return struct {
		Return bool `xml:"return"`
	}{err == nil}, err
}
