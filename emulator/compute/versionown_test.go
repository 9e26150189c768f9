package compute

import (
	"context"
	"testing"
)

func TestVersionOwnInheritsNothingAndTemplateTagsReachInstances(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	_, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080,
		Env: map[string]string{"DEMO_FAIL_HEALTH": "1"}, Tags: map[string]string{"team": "web", "env": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.CreateVersionOwn(ctx, "web", TemplateData{Image: "other:v2"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Env != nil || v2.Port != 0 || v2.Tags != nil || v2.InstanceType != DefaultInstanceType {
		t.Errorf("version 2 inherited from version 1: %+v", v2.TemplateData)
	}
	tpl, _, err := s.Template(ctx, "web")
	if err != nil || tpl.DefaultVersion != 2 {
		t.Errorf("default version after CreateVersionOwn(setDefault): %+v %v", tpl, err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Version: "1", Tags: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := insts[0].Tags; got["team"] != "web" || got["env"] != "prod" || len(got) != 2 {
		t.Errorf("instance tags %v: want the version's team=web with the run's env=prod over env=dev", got)
	}
	if _, err := s.CreateVersionOwn(ctx, "web", TemplateData{}, false); err == nil {
		t.Error("a version without an image was made")
	}
}

func TestUpdateInstanceTagsIsAllOrNothing(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo"}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Tags: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	id := insts[0].ID
	set := func(m map[string]string) error { m["b"] = "2"; return nil }
	if err := s.UpdateInstanceTags(ctx, []string{id, "i-0123456789abcdef0"}, set); err == nil {
		t.Fatal("tagging an unknown instance succeeded")
	}
	if got, _ := s.Instance(ctx, id); len(got.Tags) != 1 {
		t.Errorf("a refused update changed %s's tags: %v", id, got.Tags)
	}
	if err := s.UpdateInstanceTags(ctx, []string{id}, set); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Instance(ctx, id); got.Tags["a"] != "1" || got.Tags["b"] != "2" {
		t.Errorf("tags after the update: %v", got.Tags)
	}
}
