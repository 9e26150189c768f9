package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/images"
)

// An image deleted from the registry behind the catalog's back (a plain
// DELETE) launches no new instance; the running one is unaffected.
func TestDeregisteredImageLaunchesNoNewInstance(t *testing.T) {
	cp := newControlPlane(t)
	c := newAPIServer(t, cp).client
	ctx := context.Background()
	img := cp.runtime.AddImage("local/web:v1", nil)
	target := cp.registry + "/web:v1"
	if err := cp.runtime.ImageTag(ctx, img.ID, target); err != nil {
		t.Fatal(err)
	}
	if err := cp.runtime.ImagePush(ctx, target); err != nil {
		t.Fatal(err)
	}
	tpl, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{Image: "web:v1", Port: 8080}})
	if err != nil {
		t.Fatal(err)
	}
	digest := tpl.Versions[0].ImageDigest
	insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	if err != nil || insts[0].State != compute.StateRunning || insts[0].ImageRef != target[:strings.LastIndex(target, ":")]+"@"+digest {
		t.Fatalf("run: %v %+v", err, insts)
	}
	if n := cp.runtime.CallCount("ImagePull"); n != 0 {
		t.Fatalf("%d pulls of an image the engine has, want 0", n)
	}
	// An engine that lost the image pulls it back, once.
	if err := cp.runtime.RemoveImage(ctx, img.ID); err != nil {
		t.Fatal(err)
	}
	again, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	if err != nil || again[0].State != compute.StateRunning || cp.runtime.CallCount("ImagePull") != 1 || again[0].ImageID != img.ID {
		t.Fatalf("run after the engine lost the image: %v %+v, %d pulls", err, again, cp.runtime.CallCount("ImagePull"))
	}
	req, _ := http.NewRequest(http.MethodDelete, "http://"+cp.registry+"/v2/web/manifests/"+digest, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("DELETE of the manifest: %v %v", err, resp)
	}
	resp.Body.Close()
	rec, err := c.Image(ctx, "web@"+digest)
	if err != nil || rec.State != images.StateDeregistered {
		t.Fatalf("the image's record %+v, %v; want deregistered", rec, err)
	}
	_, err = c.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || !strings.Contains(err.Error(), "deregistered") {
		t.Fatalf("run from a deregistered image: %v, want 409 saying deregistered", err)
	}
	still, err := c.Instance(ctx, insts[0].ID)
	if err != nil || still.State != compute.StateRunning {
		t.Fatalf("the running instance: %+v, %v; want it still running", still, err)
	}
}
