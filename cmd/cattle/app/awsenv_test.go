package app_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/awsapi"
)

// statusOnly serves a daemon's status, and nothing else, at dir's socket.
func statusOnly(t *testing.T, st api.Status) string {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("unix", emulator.PathsIn(dir).Socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api.NewHandler(api.Backend{
		Status: func(context.Context) (api.Status, error) { return st, nil }})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return dir
}

func TestAWSEnvPrintsTheSandboxEndpointAndKeys(t *testing.T) {
	dir := statusOnly(t, api.Status{Sandbox: "default", AWSEndpoint: "http://127.0.0.1:45123", Region: awsapi.Region})
	code, _, errOut := cattle(t, dir, "aws-env")
	if code == 0 || !strings.Contains(errOut, "no AWS credentials yet") {
		t.Errorf("before the daemon made keys: exit %d, %s", code, errOut)
	}
	creds, err := awsapi.LoadCredentials(emulator.PathsIn(dir).AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(emulator.PathsIn(dir).AWSCredentials); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the credentials file: %v %v", fi.Mode(), err)
	}
	out := mustCattle(t, dir, "aws-env")
	for _, want := range []string{
		"export AWS_ENDPOINT_URL=http://127.0.0.1:45123\n",
		"export AWS_ACCESS_KEY_ID=" + creds.AccessKeyID + "\n",
		"export AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey + "\n",
		"export AWS_REGION=us-east-1\n",
		"unset AWS_PROFILE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cattle aws-env lacks %q:\n%s", want, out)
		}
	}
	if again, _ := awsapi.LoadCredentials(emulator.PathsIn(dir).AWSCredentials); again != creds {
		t.Errorf("the keys changed on a second start: %+v, then %+v", creds, again)
	}
}
