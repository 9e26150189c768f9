package steps

import (
	"context"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterAction[stopLoad]("stop_load",
		scenarios.Shorthand("name"),
		scenarios.Doc("stop a background load and wait for its last answers", "stop_load: traffic"))
}

type stopLoad struct {
	Name string `yaml:"name,required" ref:"load"`
}

func (s *stopLoad) Execute(ctx context.Context, r *scenarios.Run) error {
	l, err := r.Load(s.Name)
	if err != nil {
		return err
	}
	l.Stop()
	r.Notef("load %s: %s", s.Name, loadgen.Summarize(l.Records()))
	return nil
}
