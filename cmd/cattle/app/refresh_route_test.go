package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// A follower asks for the one refresh it follows, and sees it to its end.
func TestRefreshRouteAndWaitRefresh(t *testing.T) {
	dir := startDaemon(t)
	mustCattle(t, dir, "groups", "create", "web", "--template", "web", "--min", "1", "--max", "4", "--desired", "2",
		"--lb", "web", "--health-check-type", "ELB", "--wait")
	ctx := context.Background()
	c := api.NewClient(emulator.PathsIn(dir).Socket)
	min := 50
	started, err := c.StartRefresh(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: &min})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	end, err := c.WaitRefresh(ctx, "web", started.ID, func(r autoscaling.Refresh) { seen = append(seen, r.Status) })
	if err != nil || end.ID != started.ID || end.Status != autoscaling.RefreshSuccessful || end.PercentComplete != 100 {
		t.Fatalf("WaitRefresh: %+v, %v; want %s Successful at 100%%", end, err, started.ID)
	}
	if len(seen) == 0 || seen[len(seen)-1] != autoscaling.RefreshSuccessful {
		t.Errorf("progress saw %v, want it to end with Successful", seen)
	}
	got, err := c.Refresh(ctx, "web", started.ID)
	if err != nil || got.ID != started.ID || got.Status != autoscaling.RefreshSuccessful {
		t.Errorf("Refresh(%s): %+v, %v", started.ID, got, err)
	}
	if _, err := c.Refresh(ctx, "web", "rf-nope"); !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "cattle groups refreshes web") {
		t.Errorf("an unknown refresh: %v, want not found naming 'cattle groups refreshes web'", err)
	}
	if _, err := c.Refresh(ctx, "nope", started.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("a refresh of an unknown group: %v, want not found", err)
	}
}
