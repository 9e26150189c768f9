package awsapi

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Handler serves one action. It returns the result to encode (a struct with
// xml tags for the Query services, json tags for ECR; nil for an empty
// result) or an error: an *Error for a precise AWS code, or one of cattle's
// errdefs classes, which map to the service's generic codes.
type Handler func(ctx context.Context, r *Request) (any, error)

// Action is one supported operation of a service.
type Action struct {
	Name    string  // as AWS spells it: "RunInstances"
	Handler Handler // serves it
	// Note says in one line what of AWS's behaviour is not modelled; it is
	// printed in the coverage page (docs/aws.md).
	Note string
}

type protocol int

const (
	protoEC2   protocol = iota // EC2's Query dialect: lowercase elements, <item> lists
	protoQuery                 // Auto Scaling, ELBv2: <XResult> and ResponseMetadata
	protoJSON                  // ECR: JSON 1.1 with X-Amz-Target
)

// Service is one AWS service the endpoint speaks.
type Service struct {
	Name      string // the SigV4 signing name: ec2, autoscaling, elasticloadbalancing, ecr
	Title     string // for the coverage page
	Version   string // the API version the Query services send
	Namespace string // the xmlns of Query responses
	Target    string // ECR's X-Amz-Target prefix
	proto     protocol
	// invalidCode, missingCode and notFoundCode are the service's codes for
	// a bad parameter, a missing one and an unknown resource.
	invalidCode, missingCode, notFoundCode, conflictCode string
	actions                                              map[string]Action
	ordered                                              []Action
}

// Services are the services in the endpoint's order: each one's actions come
// from the function in that service's own file (ec2.go, autoscaling.go,
// elbv2.go, ecr.go), so adding an action edits only that file.
func newServices() []*Service {
	svcs := []*Service{
		{Name: "ec2", Title: "EC2", Version: "2016-11-15", Namespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
			proto: protoEC2, invalidCode: "InvalidParameterValue", missingCode: "MissingParameter",
			notFoundCode: "InvalidParameterValue", conflictCode: "IncorrectState"},
		{Name: "autoscaling", Title: "Auto Scaling", Version: "2011-01-01",
			Namespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/", proto: protoQuery,
			invalidCode: "ValidationError", missingCode: "ValidationError", notFoundCode: "ValidationError",
			conflictCode: "ResourceInUse"},
		{Name: "elasticloadbalancing", Title: "Elastic Load Balancing v2", Version: "2015-12-01",
			Namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", proto: protoQuery,
			invalidCode: "ValidationError", missingCode: "ValidationError", notFoundCode: "ValidationError",
			conflictCode: "ResourceInUse"},
		{Name: "ecr", Title: "ECR", Target: "AmazonEC2ContainerRegistry_V20150921", proto: protoJSON,
			invalidCode: "InvalidParameterException", missingCode: "InvalidParameterException",
			notFoundCode: "InvalidParameterException", conflictCode: "InvalidParameterException"},
	}
	tables := map[string][]Action{
		"ec2":                  ec2Actions(),
		"autoscaling":          autoscalingActions(),
		"elasticloadbalancing": elbv2Actions(),
		"ecr":                  ecrActions(),
	}
	for _, s := range svcs {
		s.actions = map[string]Action{}
		for _, a := range tables[s.Name] {
			if _, dup := s.actions[a.Name]; dup || a.Handler == nil {
				panic(fmt.Sprintf("awsapi: %s %s registered twice or without a handler", s.Name, a.Name))
			}
			s.actions[a.Name] = a
			s.ordered = append(s.ordered, a)
		}
		sort.Slice(s.ordered, func(i, j int) bool { return s.ordered[i].Name < s.ordered[j].Name })
	}
	return svcs
}

// CoverageMarkdown is the coverage page, docs/aws.md: every supported action
// of every service and what it does not model. A test keeps the file equal
// to it.
func CoverageMarkdown() string {
	var b strings.Builder
	b.WriteString("# The AWS endpoint: what it serves\n\n")
	b.WriteString("<!-- Generated from the dispatch table in emulator/awsapi; " +
		"refresh with `go test ./emulator/awsapi -run TestCoverageDoc -update`. -->\n\n")
	b.WriteString(coverageIntro)
	for _, s := range newServices() {
		fmt.Fprintf(&b, "\n## %s (`%s`)\n\n", s.Title, s.Name)
		if len(s.ordered) == 0 {
			b.WriteString("No action yet: every request answers ")
			b.WriteString(map[bool]string{true: "`UnknownOperationException`", false: "`InvalidAction`"}[s.proto == protoJSON])
			b.WriteString(" naming the action.\n")
			continue
		}
		b.WriteString("| Action | Not modelled |\n|---|---|\n")
		for _, a := range s.ordered {
			note := a.Note
			if note == "" {
				note = "-"
			}
			fmt.Fprintf(&b, "| %s | %s |\n", a.Name, strings.ReplaceAll(note, "|", `\|`))
		}
	}
	return b.String()
}

const coverageIntro = "cattle's daemon serves the AWS APIs below on a 127.0.0.1 port of its own " +
	"(`cattle status` shows it as `aws_endpoint`). `eval \"$(cattle aws-env)\"` sets the endpoint, " +
	"the sandbox's own access key and secret, and the region (`" + Region + "`, account `" + Account +
	"`); the aws CLI and the SDKs then work unchanged. Requests are signed with SigV4 and verified. " +
	"Zones `" + Region + "a`, `" + Region + "b` and `" + Region + "c` are cattle's `zone-a`, `zone-b` and `zone-c`.\n\n" +
	"Ids are shaped as AWS's and kept across restarts: instances `i-...` and launch templates `lt-...` are cattle's own; " +
	"the default VPC, its subnets and security group derive from the sandbox's name, images (`ami-...`) from their repository and digest. " +
	"EC2 drives the same templates and instances as `cattle templates` and `cattle instances`. " +
	"What a launch template has no field for (environment, port, health path) travels in `UserData` as lines " +
	"`#cattle:env K=V`, `#cattle:port N` and `#cattle:health PATH`, which a shell script ignores; " +
	"describing a version writes them back in front of its user data, whichever front made it.\n\n" +
	"An action not listed here answers the service's own error naming it " +
	"(`InvalidAction`, or `UnknownOperationException` for ECR), and changes nothing.\n"
