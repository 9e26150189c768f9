package awsapi

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func params(svc string, raw string) Params {
	v, _ := url.ParseQuery(raw)
	for _, s := range newServices() {
		if s.Name == svc {
			return Params{v: v, svc: s}
		}
	}
	panic(svc)
}

func TestParamsReadBothListShapesInOrder(t *testing.T) {
	p := params("autoscaling", "AvailabilityZones.member.2=b&AvailabilityZones.member.10=c&AvailabilityZones.member.1=a")
	if got := p.List("AvailabilityZones"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("member list: %v", got)
	}
	p = params("ec2", "InstanceId.2=i-2&InstanceId.1=i-1&Other=x")
	if got := p.List("InstanceId"); !reflect.DeepEqual(got, []string{"i-1", "i-2"}) {
		t.Errorf("EC2 list: %v", got)
	}
	if got := p.List("Missing"); got != nil {
		t.Errorf("absent list: %v", got)
	}
}

func TestParamsReadNestedStructures(t *testing.T) {
	p := params("ec2", "TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=env&"+
		"TagSpecification.1.Tag.1.Value=prod&TagSpecification.1.Tag.2.Key=team&Placement.AvailabilityZone=us-east-1b")
	specs := p.Structs("TagSpecification")
	if len(specs) != 1 || specs[0].String("ResourceType") != "instance" {
		t.Fatalf("specs: %+v", specs)
	}
	tags, err := specs[0].Tags("Tag")
	if err != nil || !reflect.DeepEqual(tags, []Tag{{"env", "prod"}, {"team", ""}}) {
		t.Errorf("tags: %v %v", tags, err)
	}
	if az := p.Sub("Placement").String("AvailabilityZone"); az != "us-east-1b" {
		t.Errorf("Placement.AvailabilityZone: %q", az)
	}
	q := params("autoscaling", "Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Value=orphan")
	_, err = q.Tags("Tags")
	var e *Error
	if !errors.As(err, &e) || e.Code != "ValidationError" || !strings.Contains(e.Message, "Tags.member.2.Key") {
		t.Errorf("a tag without a key: %v", err)
	}
}

func TestParamsErrorsNameTheParameterInTheServiceCode(t *testing.T) {
	var e *Error
	_, err := params("ec2", "MaxCount=lots").Int("MaxCount", 1)
	if !errors.As(err, &e) || e.Code != "InvalidParameterValue" || !strings.Contains(e.Message, "MaxCount") {
		t.Errorf("EC2 integer: %v", err)
	}
	_, err = params("ec2", "").Required("ImageId")
	if !errors.As(err, &e) || e.Code != "MissingParameter" || !strings.Contains(e.Message, "ImageId") {
		t.Errorf("EC2 missing: %v", err)
	}
	_, err = params("elasticloadbalancing", "Attr.member.1.Value=x").Structs("Attr")[0].Bool("Value", false)
	if !errors.As(err, &e) || e.Code != "ValidationError" || !strings.Contains(e.Message, "Attr.member.1.Value") {
		t.Errorf("ELBv2 boolean: %v", err)
	}
	if n, err := params("ec2", "").Int("MaxResults", 1000); n != 1000 || err != nil {
		t.Errorf("default: %d %v", n, err)
	}
}
