package awsapi

import "context"

// ec2Actions are EC2's actions (signing name ec2, Version 2016-11-15).
func ec2Actions() []Action {
	actions := []Action{
		{Name: "DescribeAvailabilityZones", Handler: describeAvailabilityZones,
			Note: "filters other than zone-name, zone-id and state are ignored; every zone is available"},
		{Name: "DescribeRegions", Handler: describeRegions, Note: "one region, " + Region},
		{Name: "DescribeImages", Handler: describeImages,
			Note: "the registry's available images; ids derive from repository and digest; owners self or " + Account + "; filters image-id, name, state, owner-id, tag:cattle:repository"},
	}
	actions = append(actions, networkActions()...)
	actions = append(actions, templateActions()...)
	return append(actions, instanceActions()...)
}

type ec2AZ struct {
	ZoneName   string `xml:"zoneName"`
	ZoneID     string `xml:"zoneId"`
	State      string `xml:"zoneState"`
	RegionName string `xml:"regionName"`
	GroupName  string `xml:"groupName"`
	ZoneType   string `xml:"zoneType"`
	OptIn      string `xml:"optInStatus"`
	Network    string `xml:"networkBorderGroup"`
}

func describeAvailabilityZones(_ context.Context, r *Request) (any, error) {
	f := r.Params.filters()
	names, ids := r.Params.List("ZoneName"), r.Params.List("ZoneId")
	var out struct {
		Zones []ec2AZ `xml:"availabilityZoneInfo>item"`
	}
	for _, z := range zoneNames() {
		az := ec2AZ{ZoneName: AZName(z), ZoneID: ZoneID(z), State: "available", RegionName: Region,
			GroupName: Region, ZoneType: "availability-zone", OptIn: "opt-in-not-required", Network: Region}
		if !oneOf(az.ZoneName, names) || !oneOf(az.ZoneID, ids) ||
			!f.match("zone-name", az.ZoneName) || !f.match("zone-id", az.ZoneID) || !f.match("state", "available") {
			continue
		}
		out.Zones = append(out.Zones, az)
	}
	return out, nil
}

func describeRegions(_ context.Context, r *Request) (any, error) {
	type region struct {
		Name     string `xml:"regionName"`
		Endpoint string `xml:"regionEndpoint"`
		OptIn    string `xml:"optInStatus"`
	}
	var out struct {
		Regions []region `xml:"regionInfo>item"`
	}
	if oneOf(Region, r.Params.List("RegionName")) && r.Params.filters().match("region-name", Region) {
		out.Regions = append(out.Regions, region{Name: Region, Endpoint: "ec2." + Region + ".amazonaws.com", OptIn: "opt-in-not-required"})
	}
	return out, nil
}
