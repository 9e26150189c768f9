package images

import (
	"context"
	"testing"
)

// Pushes and deletes the catalog never heard of (the daemon died between
// the registry storing them and the catalog recording them) are caught up
// by Reconcile: the registry's tags are recorded, a deleted manifest's
// record is deregistered, and a second pass finds nothing to do.
func TestReconcileCatchesUpWithTheRegistry(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	first := tc.push(t, "web", "v1")
	tc.muted.Store(true)
	second := tc.push(t, "web", "v2")
	fresh := tc.push(t, "fresh", "v1")
	if err := tc.reg.DeleteManifest(ctx, "web", first); err != nil {
		t.Fatal(err)
	}
	tc.muted.Store(false)
	if _, err := tc.Get(ctx, "web:v2"); err == nil {
		t.Fatal("the catalog knows web:v2 before the reconcile: the test cannot tell")
	}

	n, err := tc.Reconcile(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Reconcile = %d, %v; want 3 records caught up", n, err)
	}
	for ref, digest := range map[string]string{"web:v2": second, "fresh:v1": fresh} {
		img, err := tc.Get(ctx, ref)
		if err != nil || img.Digest != digest || img.State != StateAvailable || img.Size == 0 {
			t.Errorf("%s after the reconcile: %+v, %v; want available %s with a size", ref, img, err, digest)
		}
	}
	if img, err := tc.Get(ctx, "web@"+first); err != nil || img.State != StateDeregistered || len(img.Tags) != 0 {
		t.Errorf("the deleted web@%s: %+v, %v; want deregistered, untagged", first, img, err)
	}
	if _, err := tc.reg.Repositories().Get(ctx, "fresh"); err != nil {
		t.Errorf("repository fresh has no record after the reconcile: %v", err)
	}
	if n, err := tc.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("a second Reconcile = %d, %v; want nothing to do", n, err)
	}
}
