package awsapi

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// The default network: one VPC, one subnet per zone, one security group.
// Their ids are derived from the sandbox's name, so they are the same after
// every restart and differ between sandboxes.

// stableID is prefix + 17 hex digits derived from the sandbox and what.
func (b *Backend) stableID(prefix, what string) string {
	sum := sha256.Sum256([]byte("cattle/" + b.Sandbox + "/" + what))
	return prefix + hex.EncodeToString(sum[:])[:17]
}

// VpcID is the default VPC's id.
func (b *Backend) VpcID() string { return b.stableID("vpc-", "vpc") }

// SecurityGroupID is the default security group's id.
func (b *Backend) SecurityGroupID() string { return b.stableID("sg-", "sg") }

// SubnetID is the id of the default subnet in cattle's zone ("zone-a").
func (b *Backend) SubnetID(zone string) string { return b.stableID("subnet-", "subnet/"+zone) }

// ZoneOfSubnet is cattle's zone of a subnet id, or false for an id that is
// not one of the sandbox's subnets. Actions that take subnets (Auto
// Scaling's VPCZoneIdentifier, ELBv2's Subnets) map them with it.
func (b *Backend) ZoneOfSubnet(id string) (string, bool) {
	for _, z := range compute.Zones {
		if b.SubnetID(z) == id {
			return z, true
		}
	}
	return "", false
}

// ARN is the ARN of a resource of service in the sandbox's region and
// account: ARN("elasticloadbalancing", "targetgroup/web/0123456789abcdef").
func ARN(service, resource string) string {
	return "arn:aws:" + service + ":" + Region + ":" + Account + ":" + resource
}

// AZName is the AWS name of cattle's zone: zone-a is us-east-1a.
func AZName(zone string) string {
	return Region + strings.TrimPrefix(zone, "zone-")
}

// ZoneOfAZ is cattle's zone of an AWS availability zone name, or false.
func ZoneOfAZ(az string) (string, bool) {
	for _, z := range compute.Zones {
		if AZName(z) == az {
			return z, true
		}
	}
	return "", false
}

// ZoneID is the zone's AWS zone id (use1-az1...).
func ZoneID(zone string) string {
	for i, z := range compute.Zones {
		if z == zone {
			return "use1-az" + string(rune('1'+i))
		}
	}
	return ""
}
