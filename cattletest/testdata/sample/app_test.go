package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/cattletest"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
)

// TestInstanceAnswers starts a sandbox, launches one instance of the
// built-in demo image and asks it which version it runs.
func TestInstanceAnswers(t *testing.T) {
	sb := cattletest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	_, err := sb.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Env: map[string]string{"DEMO_VERSION": "v7"}}})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := sb.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	var body string
	err = api.Poll(ctx, 200*time.Millisecond, func(ctx context.Context) (bool, error) {
		in, err := sb.Instance(ctx, ins[0].ID)
		if err != nil || in.Address == "" {
			return false, err
		}
		resp, err := http.Get("http://" + in.Address + "/")
		if err != nil {
			return false, nil // not listening yet
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("instance %s never answered: %v", ins[0].ID, err)
	}
	if !strings.Contains(body, "v7") {
		t.Errorf("instance answered %q, want version v7", body)
	}
}
