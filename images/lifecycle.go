package images

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// LifecyclePolicy is an ECR lifecycle policy: rules, lowest priority first.
type LifecyclePolicy struct {
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule selects images and expires them.
type LifecycleRule struct {
	RulePriority int           `json:"rulePriority"`
	Description  string        `json:"description,omitempty"`
	Selection    RuleSelection `json:"selection"`
	Action       RuleAction    `json:"action"`
}

// RuleSelection is a rule's selection, as ECR spells it.
type RuleSelection struct {
	TagStatus     string   `json:"tagStatus"` // tagged, untagged or any
	TagPrefixList []string `json:"tagPrefixList,omitempty"`
	CountType     string   `json:"countType"` // imageCountMoreThan or sinceImagePushed
	CountUnit     string   `json:"countUnit,omitempty"`
	CountNumber   int      `json:"countNumber"`
}

// RuleAction is what a rule does to what it selects: expire.
type RuleAction struct {
	Type string `json:"type"`
}

// Selection and count values.
const (
	TagStatusTagged    = "tagged"
	TagStatusUntagged  = "untagged"
	TagStatusAny       = "any"
	CountMoreThan      = "imageCountMoreThan"
	CountSincePushed   = "sinceImagePushed"
	ActionExpire       = "expire"
	countUnitDays      = "days"
	maxLifecycleRules  = 50
	maxPolicyTextBytes = 30720 // as ECR
)

// ParseLifecyclePolicy reads and checks a policy in ECR's JSON form.
func ParseLifecyclePolicy(text []byte) (LifecyclePolicy, error) {
	var p LifecyclePolicy
	if len(text) > maxPolicyTextBytes {
		return p, errdefs.Invalid("lifecycle policy is %d bytes: at most %d", len(text), maxPolicyTextBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, errdefs.Invalid("lifecycle policy is not valid JSON of ECR's form ({\"rules\": [...]}): %v", err)
	}
	return p, p.Validate()
}

// Validate checks a policy as ECR does.
func (p LifecyclePolicy) Validate() error {
	if len(p.Rules) == 0 || len(p.Rules) > maxLifecycleRules {
		return errdefs.Invalid("a lifecycle policy needs 1 to %d rules, it has %d", maxLifecycleRules, len(p.Rules))
	}
	seen := map[int]bool{}
	maxPriority := 0
	for _, r := range p.Rules {
		maxPriority = max(maxPriority, r.RulePriority)
	}
	for i, r := range p.Rules {
		where := fmt.Sprintf("rules[%d] (rulePriority %d)", i, r.RulePriority)
		if r.RulePriority < 1 {
			return errdefs.Invalid("rules[%d]: rulePriority must be a positive integer", i)
		}
		if seen[r.RulePriority] {
			return errdefs.Invalid("%s: rulePriority %d is used twice: each rule needs its own", where, r.RulePriority)
		}
		seen[r.RulePriority] = true
		if err := r.Selection.validate(where); err != nil {
			return err
		}
		if r.Selection.TagStatus == TagStatusAny && r.RulePriority != maxPriority {
			return errdefs.Invalid("%s: a rule with tagStatus any must have the highest rulePriority", where)
		}
		if r.Action.Type != ActionExpire {
			return errdefs.Invalid("%s: action.type %q is not valid: use expire", where, r.Action.Type)
		}
	}
	return nil
}

func (s RuleSelection) validate(where string) error {
	switch s.TagStatus {
	case TagStatusTagged:
		if len(s.TagPrefixList) == 0 {
			return errdefs.Invalid("%s: tagStatus tagged needs a tagPrefixList", where)
		}
		if slices.Contains(s.TagPrefixList, "") {
			return errdefs.Invalid("%s: tagPrefixList holds an empty prefix", where)
		}
	case TagStatusUntagged, TagStatusAny:
		if len(s.TagPrefixList) > 0 {
			return errdefs.Invalid("%s: tagPrefixList is only for tagStatus tagged", where)
		}
	default:
		return errdefs.Invalid("%s: selection.tagStatus %q is not valid: use tagged, untagged or any", where, s.TagStatus)
	}
	if s.CountNumber < 1 {
		return errdefs.Invalid("%s: selection.countNumber must be a positive integer", where)
	}
	switch s.CountType {
	case CountMoreThan:
		if s.CountUnit != "" {
			return errdefs.Invalid("%s: countUnit is only for countType sinceImagePushed", where)
		}
	case CountSincePushed:
		if s.CountUnit != countUnitDays {
			return errdefs.Invalid("%s: countType sinceImagePushed needs countUnit days", where)
		}
	default:
		return errdefs.Invalid("%s: selection.countType %q is not valid: use imageCountMoreThan or sinceImagePushed", where, s.CountType)
	}
	return nil
}

// matches says whether a rule's tag selection takes img.
func (s RuleSelection) matches(img Image) bool {
	switch s.TagStatus {
	case TagStatusUntagged:
		return len(img.Tags) == 0
	case TagStatusAny:
		return true
	}
	if len(img.Tags) == 0 {
		return false
	}
	// Every prefix must start one of the image's tags, as ECR has it.
	for _, p := range s.TagPrefixList {
		if !slices.ContainsFunc(img.Tags, func(t string) bool { return strings.HasPrefix(t, p) }) {
			return false
		}
	}
	return true
}

// Expiry is an image a lifecycle rule expires.
type Expiry struct {
	Image Image `json:"image"`
	Rule  int   `json:"rule_priority"`
}

// Select applies a policy to one repository's images: rules in priority
// order, each taking the images no earlier rule took (an image is expired
// by at most one rule), oldest push first. inUse images are counted (they
// are among the ones kept) but never expired.
func (p LifecyclePolicy) Select(imgs []Image, inUse func(Image) bool, now time.Time) []Expiry {
	rules := slices.Clone(p.Rules)
	sort.Slice(rules, func(i, j int) bool { return rules[i].RulePriority < rules[j].RulePriority })
	candidates := slices.DeleteFunc(slices.Clone(imgs), func(img Image) bool {
		return img.State != StateAvailable || img.Digest == ""
	})
	// Newest first: a count keeps the first N.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].PushedAt.After(candidates[j].PushedAt) })
	taken := map[string]bool{}
	var out []Expiry
	for _, r := range rules {
		var matched []Image
		for _, img := range candidates {
			if !taken[img.Key] && r.Selection.matches(img) {
				matched = append(matched, img)
				taken[img.Key] = true
			}
		}
		for i, img := range matched {
			expire := false
			switch r.Selection.CountType {
			case CountMoreThan:
				expire = i >= r.Selection.CountNumber
			case CountSincePushed:
				expire = now.Sub(img.PushedAt) > time.Duration(r.Selection.CountNumber)*24*time.Hour
			}
			if expire && !inUse(img) {
				out = append(out, Expiry{Image: img, Rule: r.RulePriority})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Image.PushedAt.Before(out[j].Image.PushedAt) })
	return out
}
