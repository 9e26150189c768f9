// Package awsapi is cattle's AWS-compatible front: the daemon serves it on
// a 127.0.0.1 port of its own (`cattle status` shows aws_endpoint), and the
// aws CLI and the AWS SDKs drive the same objects as cattle's own API:
// it holds no state of its own.
//
// # The request's way
//
// [Server.ServeHTTP] reads the body (1 MiB at most), applies the native
// API's Host and Origin rules, verifies the SigV4 signature against the
// sandbox's own key (kept in its state directory, made at first start) by
// recomputing it with aws-sdk-go-v2's signer, picks the service from the
// credential scope (ec2, autoscaling, elasticloadbalancing, ecr), parses
// the action and its parameters (the Query form with Action and Version;
// for ECR, X-Amz-Target and a JSON body), calls the action's [Handler] and
// writes its result or error in the service's own shape: EC2's
// <XResponse><requestId>, the others' <XResponse><XResult> with
// ResponseMetadata, ECR's JSON; EC2's <Response><Errors>, the others'
// <ErrorResponse>, ECR's {"__type","message"}. An action with no handler
// answers InvalidAction (ECR: UnknownOperationException) naming it.
//
// # Adding an action
//
// Each service's actions live in its own files: ec2*.go, autoscaling*.go,
// elbv2*.go, ecr*.go. The table of a service is the one function in its
// main file (ec2Actions, autoscalingActions, elbv2Actions, ecrActions);
// add one line there, and put the handler in a file of your own:
//
//	{Name: "SetDesiredCapacity", Handler: setDesiredCapacity,
//		Note: "HonorCooldown is ignored: cattle has no cooldowns"},
//
// Note says, in one line, what of AWS's behaviour the action does not
// model; it goes into the coverage page docs/aws.md, which a test keeps
// equal to the table: after changing the table run
//
//	go test ./emulator/awsapi -run TestCoverageDoc -update
//
// # Reading parameters
//
// r.Params reads the Query form. Scalars: String, Required (the service's
// missing-parameter error naming it), Int, Bool. Lists of scalars: List
// reads both Foo.member.N (Auto Scaling, ELBv2) and EC2's Foo.N, in N's
// order. Structures: Sub("Placement").String("AvailabilityZone"); lists of
// structures: Structs("Tags")[i].String("Key"), nested as deep as the
// request goes (TagSpecification.1.Tag.2.Key is
// Structs("TagSpecification")[0].Structs("Tag")[1]). Tags reads Key/Value
// lists. Errors from these already carry the service's code
// (ValidationError for Auto Scaling and ELBv2, InvalidParameterValue and
// MissingParameter for EC2) and name the parameter. ECR's handlers read
// their body with r.DecodeJSON(&in).
//
// The default network is in network.go: VpcID, SubnetID(zone),
// ZoneOfSubnet(id) (for VPCZoneIdentifier and ELBv2's Subnets), AZName and
// ZoneOfAZ (us-east-1a is cattle's zone-a). Region and Account go into ARNs.
//
// # Writing a result
//
// Return a struct; nil for an empty result (an empty <ActionResult> for
// the Query services, which the SDKs expect). For Auto Scaling and ELBv2 it
// is encoded inside <ActionResult>, with AWS's element names as xml tags
// and lists as `xml:"AutoScalingGroups>member"`. For EC2 its fields go
// straight under <ActionResponse> after requestId, lowercase-first, with
// lists as `xml:"instancesSet>item"`. For ECR it is marshalled as JSON
// with AWS's member names (`json:"repositories"`).
//
// # Returning an error
//
// Return Errorf(code, format, args...) for AWS's own code with status 400,
// or an &Error{Status: ..., Code: ..., Message: ...} for another status.
// Errors of cattle's services (internal/errdefs classes) may be returned
// as they are: invalid, not found and conflict become the service's
// generic codes with status 400 (prefer the precise NotFound code AWS
// uses, e.g. InvalidInstanceID.NotFound, AutoScalingGroupNotFound is a
// ValidationError, TargetGroupNotFound), unavailable becomes 503, anything
// else 500 InternalFailure. A handler changes nothing before its
// parameters are all read and checked.
package awsapi
