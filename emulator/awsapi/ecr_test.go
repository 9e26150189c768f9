package awsapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// ecrSend sends one ECR action with a JSON body to an endpoint with no
// backend: what is checked here is refused before any is needed.
func ecrSend(t *testing.T, action, body string) (int, map[string]string) {
	t.Helper()
	r := send(t, testCreds, "ecr", "application/x-amz-json-1.1",
		http.Header{"X-Amz-Target": {"AmazonEC2ContainerRegistry_V20150921." + action}}, body)
	var out map[string]string
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%s: the answer is not JSON: %d %s", action, r.status, r.body)
	}
	return r.status, out
}

func TestECRBadInputIsRefusedBeforeAnythingChanges(t *testing.T) {
	cases := []struct{ action, body, code, mention string }{
		{"CreateRepository", `{}`, "InvalidParameterException", "repositoryName"},
		{"CreateRepository", `{"repositoryName":"web","imageTagMutability":"SOMETIMES"}`, "InvalidParameterException", "imageTagMutability"},
		{"CreateRepository", `{"repositoryName":"Web Site"}`, "InvalidParameterException", "repositoryName"},
		{"CreateRepository", `{"repositoryName":"web","registryId":"123456789012"}`, "InvalidParameterException", "registryId"},
		{"CreateRepository", `{"repositoryName":`, "SerializationException", "CreateRepository"},
		{"DescribeRepositories", `{"repositoryNames":["web"],"maxResults":5}`, "InvalidParameterException", "maxResults"},
		{"DeleteRepository", `{"force":true}`, "InvalidParameterException", "repositoryName"},
		{"DescribeImages", `{"repositoryName":"web","filter":{"tagStatus":"SOME"}}`, "InvalidParameterException", "tagStatus"},
		{"BatchDeleteImage", `{"repositoryName":"web","imageIds":[]}`, "InvalidParameterException", "imageIds"},
		{"PutLifecyclePolicy", `{"repositoryName":"web"}`, "InvalidParameterException", "lifecyclePolicyText"},
		{"GetLifecyclePolicy", `{"repositoryName":""}`, "InvalidParameterException", "repositoryName"},
		{"GetAuthorizationToken", `{"registryIds":["111111111111"]}`, "InvalidParameterException", "registryId"},
	}
	for _, c := range cases {
		status, out := ecrSend(t, c.action, c.body)
		if status != 400 || out["__type"] != c.code || !strings.Contains(out["message"], c.mention) {
			t.Errorf("%s %s: %d %v; want 400 %s naming %s", c.action, c.body, status, out, c.code, c.mention)
		}
	}
}

func TestECRPages(t *testing.T) {
	two := 2
	from, to, next, err := ecrPage(5, "", &two, 100)
	if err != nil || from != 0 || to != 2 || next == "" {
		t.Fatalf("first page: %d..%d next %q %v", from, to, next, err)
	}
	var seen []int
	for token := ""; ; {
		from, to, next, err := ecrPage(5, token, &two, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i := from; i < to; i++ {
			seen = append(seen, i)
		}
		if token = next; token == "" {
			break
		}
	}
	if len(seen) != 5 || seen[4] != 4 {
		t.Errorf("pages of 2 over 5 items gave %v, want 0..4 once each", seen)
	}
	if _, _, _, err := ecrPage(5, "not-a-token!", nil, 100); err == nil || !strings.Contains(err.Error(), "nextToken") {
		t.Errorf("a forged token: %v, want an error naming nextToken", err)
	}
	zero := 0
	if _, _, _, err := ecrPage(5, "", &zero, 100); err == nil || !strings.Contains(err.Error(), "maxResults") {
		t.Errorf("maxResults 0: %v, want an error naming maxResults", err)
	}
}
