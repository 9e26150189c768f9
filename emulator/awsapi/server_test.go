package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var testCreds = Credentials{AccessKeyID: "AKIATESTTESTTESTTEST", SecretAccessKey: "secretsecretsecretsecretsecretsecret1234"}

type reply struct {
	status int
	header http.Header
	body   string
}

// send signs (with creds, as service) and sends one request to a fresh
// endpoint; contentType "" sends a form.
func send(t *testing.T, creds Credentials, service, contentType string, header http.Header, body string) reply {
	t.Helper()
	ts := httptest.NewServer(NewServer(Backend{Sandbox: "unit"}, testCreds))
	defer ts.Close()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded; charset=utf-8"
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256([]byte(body))
	if creds.AccessKeyID != "" {
		ac := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), ac, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

type ec2Err struct {
	Code      string `xml:"Errors>Error>Code"`
	Message   string `xml:"Errors>Error>Message"`
	RequestID string `xml:"RequestID"`
}

type queryErr struct {
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

func TestUnknownActionInEachServiceShape(t *testing.T) {
	r := send(t, testCreds, "ec2", "", nil, form("Action", "RunScheduledInstances", "Version", "2016-11-15"))
	var e ec2Err
	if err := xml.Unmarshal([]byte(r.body), &e); err != nil || r.status != 400 || e.Code != "InvalidAction" ||
		!strings.Contains(e.Message, "RunScheduledInstances") || e.RequestID == "" {
		t.Errorf("EC2: %d %s", r.status, r.body)
	}
	r = send(t, testCreds, "autoscaling", "", nil, form("Action", "AttachInstances", "Version", "2011-01-01"))
	var q queryErr
	if err := xml.Unmarshal([]byte(r.body), &q); err != nil || r.status != 400 || q.Code != "InvalidAction" ||
		q.Type != "Sender" || !strings.Contains(q.Message, "AttachInstances") || q.RequestID == "" ||
		!strings.HasPrefix(strings.TrimPrefix(r.body, xml.Header), "<ErrorResponse") {
		t.Errorf("Auto Scaling: %d %s", r.status, r.body)
	}
	r = send(t, testCreds, "elasticloadbalancing", "", nil, form("Action", "DescribeLoadBalancers", "Version", "2012-06-01"))
	if r.status != 400 || !strings.Contains(r.body, "<Code>InvalidAction</Code>") || !strings.Contains(r.body, "aws elbv2") {
		t.Errorf("classic ELB: %d %s", r.status, r.body)
	}
	r = send(t, testCreds, "ecr", "application/x-amz-json-1.1",
		http.Header{"X-Amz-Target": {"AmazonEC2ContainerRegistry_V20150921.PutImage"}}, "{}")
	var j map[string]string
	if err := json.Unmarshal([]byte(r.body), &j); err != nil || r.status != 400 || j["__type"] != "UnknownOperationException" ||
		r.header.Get("X-Amzn-ErrorType") != "UnknownOperationException" || !strings.Contains(j["message"], "PutImage") {
		t.Errorf("ECR: %d %s %v", r.status, r.body, r.header)
	}
}

func TestSignatureChecks(t *testing.T) {
	body := form("Action", "DescribeRegions", "Version", "2016-11-15")
	if r := send(t, testCreds, "ec2", "", nil, body); r.status != 200 || !strings.Contains(r.body, "<regionName>us-east-1</regionName>") {
		t.Fatalf("a well-signed request: %d %s", r.status, r.body)
	}
	cases := []struct {
		name   string
		creds  Credentials
		status int
		code   string
	}{
		{"wrong secret", Credentials{testCreds.AccessKeyID, "not-the-secret"}, 403, "SignatureDoesNotMatch"},
		{"unknown key", Credentials{"AKIAUNKNOWNUNKNOWN00", testCreds.SecretAccessKey}, 403, "InvalidClientTokenId"},
		{"unsigned", Credentials{}, 403, "MissingAuthenticationToken"},
	}
	for _, c := range cases {
		r := send(t, c.creds, "autoscaling", "", nil, form("Action", "DescribePolicies", "Version", "2011-01-01"))
		var q queryErr
		if err := xml.Unmarshal([]byte(r.body), &q); err != nil || r.status != c.status || q.Code != c.code {
			t.Errorf("%s: got %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
}

func TestTamperedBodyIsRefused(t *testing.T) {
	ts := httptest.NewServer(NewServer(Backend{Sandbox: "unit"}, testCreds))
	defer ts.Close()
	signed := form("Action", "DescribeRegions", "Version", "2016-11-15")
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader(signed+"&RegionName.1=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(signed))
	ac := aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey}
	_ = v4.NewSigner().SignHTTP(context.Background(), ac, req, hex.EncodeToString(sum[:]), "ec2", Region, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("a body changed after signing: %d %s", resp.StatusCode, b)
	}
}

func TestBadRequestsAnswerClearly(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"not a form", "application/json", `{"Action":"DescribeRegions"}`, 415, "UnsupportedMediaType"},
		{"no action", "", form("Version", "2016-11-15"), 400, "MissingAction"},
		{"wrong version", "", form("Action", "DescribeRegions", "Version", "2012-06-01"), 400, "InvalidParameterValue"},
		{"too large", "", form("Action", "DescribeRegions", "Version", "2016-11-15", "Pad", strings.Repeat("x", MaxBody)), 413, "RequestEntityTooLarge"},
		{"a malformed list index is ignored", "", form("Action", "DescribeRegions", "Version", "2016-11-15", "Filter.x.Name", "a"), 200, ""},
	}
	for _, c := range cases {
		r := send(t, testCreds, "ec2", c.contentType, nil, c.body)
		if r.status != c.status || (c.code != "" && !strings.Contains(r.body, "<Code>"+c.code+"</Code>")) {
			t.Errorf("%s: got %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
}

func TestForeignHostIsRefused(t *testing.T) {
	r := send(t, testCreds, "ec2", "", http.Header{"Origin": {"http://evil.example"}},
		form("Action", "DescribeRegions", "Version", "2016-11-15"))
	if r.status != 403 || !strings.Contains(r.body, "cross-origin") {
		t.Errorf("a cross-origin request: %d %s", r.status, r.body)
	}
}

var update = flag.Bool("update", false, "rewrite docs/aws.md from the dispatch table")

func TestCoverageDocIsCurrent(t *testing.T) {
	const file = "../../docs/aws.md"
	want := CoverageMarkdown()
	if *update {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil || string(got) != want {
		t.Errorf("docs/aws.md is not the dispatch table's coverage page: run go test ./emulator/awsapi -run TestCoverageDoc -update")
	}
}
