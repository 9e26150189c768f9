package steps

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[setLifecycle]("lifecycle",
		scenarios.Doc("set a repository's lifecycle policy (ECR's form, written as YAML); prune_images applies it",
			"lifecycle: {repository: web, policy: {rules: [{rulePriority: 1, selection: {tagStatus: any, "+
				"countType: imageCountMoreThan, countNumber: 3}, action: {type: expire}}]}}"))
}

type setLifecycle struct {
	Repository string `yaml:"repository,required"`
	// Policy is ECR's lifecycle policy JSON, as YAML: {rules: [...]}.
	Policy lifecyclePolicy `yaml:"policy,required"`
	text   []byte
}

// lifecyclePolicy and the types in it spell ECR's keys.
type lifecyclePolicy struct {
	Rules []lifecycleRule `yaml:"rules,required"`
}

type lifecycleRule struct {
	RulePriority int    `yaml:"rulePriority"`
	Description  string `yaml:"description"`
	Selection    struct {
		TagStatus     string   `yaml:"tagStatus"`
		TagPrefixList []string `yaml:"tagPrefixList"`
		CountType     string   `yaml:"countType"`
		CountUnit     string   `yaml:"countUnit"`
		CountNumber   int      `yaml:"countNumber"`
	} `yaml:"selection"`
	Action struct {
		Type string `yaml:"type"`
	} `yaml:"action"`
}

// ecr is the policy in ECR's JSON form.
func (p lifecyclePolicy) ecr() images.LifecyclePolicy {
	var out images.LifecyclePolicy
	for _, r := range p.Rules {
		sel := r.Selection
		out.Rules = append(out.Rules, images.LifecycleRule{RulePriority: r.RulePriority, Description: r.Description,
			Selection: images.RuleSelection{TagStatus: sel.TagStatus, TagPrefixList: sel.TagPrefixList,
				CountType: sel.CountType, CountUnit: sel.CountUnit, CountNumber: sel.CountNumber},
			Action: images.RuleAction{Type: r.Action.Type}})
	}
	return out
}

func (s *setLifecycle) Validate() error {
	if err := registry.ValidateName(s.Repository); err != nil {
		return scenarios.FieldError("repository", "%v", err)
	}
	text, err := json.Marshal(s.Policy.ecr())
	if err != nil {
		return scenarios.FieldError("policy", "the policy is not plain data: %v", err)
	}
	if _, err := images.ParseLifecyclePolicy(text); err != nil {
		return scenarios.FieldError("policy", "%v", err)
	}
	s.text = text
	return nil
}

func (s *setLifecycle) Execute(ctx context.Context, r *scenarios.Run) error {
	sp, err := r.Client.SetLifecyclePolicy(ctx, s.Repository, s.text)
	if err != nil {
		return err
	}
	for _, rule := range sp.Policy.Rules {
		sel := rule.Selection
		r.Notef("repository %s, rule %d: expire %s images, %s %d %s", s.Repository, rule.RulePriority,
			sel.TagStatus, sel.CountType, sel.CountNumber, sel.CountUnit)
	}
	return nil
}

// lifecycleSummary names what a prune expired, for the timeline.
func lifecycleSummary(res images.PruneResult) string {
	if len(res.Expired) == 0 {
		return "nothing"
	}
	out := ""
	for i, e := range res.Expired {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %s (rule %d)", e.Image.Repository+":"+tagOrDigest(e.Image), shortDigest(e.Image.Digest), e.Rule)
	}
	return out
}

func tagOrDigest(img images.Image) string {
	if len(img.Tags) == 0 {
		return "<untagged>"
	}
	return img.Tags[0]
}
