package lb

import "math/rand/v2"

// Forward sends a share of a load balancer's requests to a target group.
type Forward struct {
	Group  *TargetGroup
	Weight int // 0-999; with a single forward the weight is ignored
}

// forwardSet is an immutable snapshot of the forwards, ready to pick from.
type forwardSet struct {
	groups []*TargetGroup
	cum    []int // running sum of weights
	total  int
}

func newForwardSet(fs []Forward) *forwardSet {
	s := &forwardSet{}
	for _, f := range fs {
		if f.Group == nil {
			continue
		}
		w := min(max(f.Weight, 0), 999)
		s.total += w
		s.groups = append(s.groups, f.Group)
		s.cum = append(s.cum, s.total)
	}
	return s
}

// pick chooses a group at random in proportion to the weights; a weight of
// 0 gets nothing. nil means there is nowhere to send the request.
func (s *forwardSet) pick() *TargetGroup {
	switch {
	case len(s.groups) == 1:
		return s.groups[0]
	case s.total == 0:
		return nil
	}
	x := rand.IntN(s.total)
	for i, c := range s.cum {
		if x < c {
			return s.groups[i]
		}
	}
	return nil
}
