package awsapi

import (
	"path"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// filters are EC2's Filter.N.Name / Filter.N.Value.M: a resource matches
// when, for every filter, one of its values matches (with * and ?
// wildcards, as EC2 allows).
type filters map[string][]string

func (p Params) filters() filters {
	f := filters{}
	for _, s := range p.Structs("Filter") {
		name := s.String("Name")
		f[name] = append(f[name], s.List("Value")...)
	}
	return f
}

// match says whether a resource whose filter key name has value passes
// the filter of that name (true when there is none).
func (f filters) match(name, value string) bool {
	want, ok := f[name]
	if !ok {
		return true
	}
	for _, w := range want {
		if ok, _ := path.Match(w, value); ok || w == value {
			return true
		}
	}
	return false
}

// oneOf is true when list is empty or holds s.
func oneOf(s string, list []string) bool {
	if len(list) == 0 {
		return true
	}
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func zoneNames() []string { return compute.Zones }
