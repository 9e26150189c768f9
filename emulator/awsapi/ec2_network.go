package awsapi

import (
	"context"
	"math"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// networkActions are the default network's lookups.
func networkActions() []Action {
	return []Action{
		{Name: "DescribeVpcs", Handler: describeVpcs, Note: "one default VPC, 172.31.0.0/16; no VPC can be created"},
		{Name: "DescribeSubnets", Handler: describeSubnets,
			Note: "one default subnet per zone (us-east-1a is zone-a); instances get the sandbox network's addresses, not the subnet's"},
		{Name: "DescribeSecurityGroups", Handler: describeSecurityGroups,
			Note: "the default group only, with no rules: instances publish their port on 127.0.0.1 and nothing filters traffic"},
		{Name: "DescribeInstanceTypes", Handler: describeInstanceTypes,
			Note: "cattle's t3 sizes, scaled down (memory and CPU are the container's limits; vCPUs rounded up)"},
	}
}

var subnetCIDRs = map[string]string{"zone-a": "172.31.0.0/20", "zone-b": "172.31.16.0/20", "zone-c": "172.31.32.0/20"}

func describeVpcs(_ context.Context, r *Request) (any, error) {
	type vpc struct {
		VpcID     string   `xml:"vpcId"`
		OwnerID   string   `xml:"ownerId"`
		State     string   `xml:"state"`
		CIDR      string   `xml:"cidrBlock"`
		DHCP      string   `xml:"dhcpOptionsId"`
		Tenancy   string   `xml:"instanceTenancy"`
		IsDefault bool     `xml:"isDefault"`
		Tags      []ec2Tag `xml:"tagSet>item"`
	}
	id := r.VpcID()
	if err := knownIDs(r.Params.List("VpcId"), "InvalidVpcID.NotFound", "vpc ID", id); err != nil {
		return nil, err
	}
	f := r.Params.filters()
	var out struct {
		Vpcs []vpc `xml:"vpcSet>item"`
	}
	if f.match("vpc-id", id) && f.match("is-default", "true") && f.match("isDefault", "true") && f.match("state", "available") &&
		f.match("cidr", "172.31.0.0/16") && f.matchTags(nil) {
		out.Vpcs = append(out.Vpcs, vpc{VpcID: id, OwnerID: Account, State: "available", CIDR: "172.31.0.0/16",
			DHCP: r.stableID("dopt-", "dhcp"), Tenancy: "default", IsDefault: true})
	}
	return out, nil
}

// knownIDs is the NotFound error for the first of ids not among known.
func knownIDs(ids []string, code, what string, known ...string) error {
	for _, id := range ids {
		if !oneOf(id, known) {
			return Errorf(code, "The %s '%s' does not exist", what, id)
		}
	}
	return nil
}

type ec2Subnet struct {
	SubnetID     string   `xml:"subnetId"`
	SubnetArn    string   `xml:"subnetArn"`
	State        string   `xml:"state"`
	VpcID        string   `xml:"vpcId"`
	OwnerID      string   `xml:"ownerId"`
	CIDR         string   `xml:"cidrBlock"`
	Available    int      `xml:"availableIpAddressCount"`
	AZ           string   `xml:"availabilityZone"`
	AZID         string   `xml:"availabilityZoneId"`
	DefaultForAz bool     `xml:"defaultForAz"`
	MapPublicIP  bool     `xml:"mapPublicIpOnLaunch"`
	Tags         []ec2Tag `xml:"tagSet>item"`
}

func describeSubnets(_ context.Context, r *Request) (any, error) {
	var all []string
	for _, z := range compute.Zones {
		all = append(all, r.SubnetID(z))
	}
	ids := r.Params.List("SubnetId")
	if err := knownIDs(ids, "InvalidSubnetID.NotFound", "subnet ID", all...); err != nil {
		return nil, err
	}
	f := r.Params.filters()
	var out struct {
		Subnets []ec2Subnet `xml:"subnetSet>item"`
	}
	for _, z := range compute.Zones {
		s := ec2Subnet{SubnetID: r.SubnetID(z), State: "available", VpcID: r.VpcID(), OwnerID: Account,
			CIDR: subnetCIDRs[z], Available: 4091, AZ: AZName(z), AZID: ZoneID(z), DefaultForAz: true, MapPublicIP: true}
		s.SubnetArn = ARN("ec2", "subnet/"+s.SubnetID)
		if !oneOf(s.SubnetID, ids) || !f.match("subnet-id", s.SubnetID) || !f.match("vpc-id", s.VpcID) ||
			!f.match("availability-zone", s.AZ) || !f.match("availability-zone-id", s.AZID) ||
			!f.match("default-for-az", "true") || !f.match("defaultForAz", "true") || !f.match("state", "available") || !f.matchTags(nil) {
			continue
		}
		out.Subnets = append(out.Subnets, s)
	}
	return out, nil
}

func describeSecurityGroups(_ context.Context, r *Request) (any, error) {
	type group struct {
		OwnerID     string   `xml:"ownerId"`
		GroupID     string   `xml:"groupId"`
		GroupName   string   `xml:"groupName"`
		Description string   `xml:"groupDescription"`
		VpcID       string   `xml:"vpcId"`
		Arn         string   `xml:"securityGroupArn"`
		Tags        []ec2Tag `xml:"tagSet>item"`
	}
	id := r.SecurityGroupID()
	if err := knownIDs(r.Params.List("GroupId"), "InvalidGroup.NotFound", "security group", id); err != nil {
		return nil, err
	}
	if err := knownIDs(r.Params.List("GroupName"), "InvalidGroup.NotFound", "security group", "default"); err != nil {
		return nil, err
	}
	f := r.Params.filters()
	var out struct {
		Groups []group `xml:"securityGroupInfo>item"`
	}
	if f.match("group-id", id) && f.match("group-name", "default") && f.match("vpc-id", r.VpcID()) && f.matchTags(nil) {
		out.Groups = append(out.Groups, group{OwnerID: Account, GroupID: id, GroupName: "default",
			Description: "default VPC security group", VpcID: r.VpcID(),
			Arn: ARN("ec2", "security-group/"+id)})
	}
	return out, nil
}

func describeInstanceTypes(_ context.Context, r *Request) (any, error) {
	type itype struct {
		Name       string   `xml:"instanceType"`
		Current    bool     `xml:"currentGeneration"`
		Usage      []string `xml:"supportedUsageClasses>item"`
		VCPUs      int      `xml:"vCpuInfo>defaultVCpus"`
		MemoryMiB  int64    `xml:"memoryInfo>sizeInMiB"`
		Archs      []string `xml:"processorInfo>supportedArchitectures>item"`
		Hypervisor string   `xml:"hypervisor"`
		FreeTier   bool     `xml:"freeTierEligible"`
	}
	names := r.Params.List("InstanceType")
	for _, n := range names {
		if _, err := compute.LookupInstanceType(n); err != nil {
			return nil, Errorf("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", n)
		}
	}
	f := r.Params.filters()
	var out struct {
		Types []itype `xml:"instanceTypeSet>item"`
	}
	for _, t := range compute.InstanceTypes() {
		if !oneOf(t.Name, names) || !f.match("instance-type", t.Name) {
			continue
		}
		out.Types = append(out.Types, itype{Name: t.Name, Current: true, Usage: []string{"on-demand"},
			VCPUs: int(math.Ceil(t.CPUs)), MemoryMiB: t.MemoryMB, Archs: []string{"x86_64"}, Hypervisor: "nitro",
			FreeTier: t.Name == compute.DefaultInstanceType})
	}
	return out, nil
}
