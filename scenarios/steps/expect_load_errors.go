package steps

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

func init() {
	scenarios.RegisterExpectation[expectLoadErrors]("load_errors", "load",
		scenarios.Checks("errors", "error_rate"),
		scenarios.Doc("a load had at most so many failed requests (no answer, or a status outside 200-399), over all of it or a window",
			"expect: {load: traffic, errors: 0, during: refresh}"))
}

type expectLoadErrors struct {
	loadCheck `yaml:",inline"`
	// Errors is a most (a bare number) or a range (">= 1": the fault
	// showed).
	Errors    *scenarios.CountRange `yaml:"errors" default:"none: give errors or error_rate"`
	ErrorRate *scenarios.Fraction   `yaml:"error_rate" default:"none: give errors or error_rate"`
}

func (e *expectLoadErrors) Validate() error {
	if e.Errors != nil && e.ErrorRate != nil {
		return scenarios.FieldError("error_rate", "give errors (a count) or error_rate, not both")
	}
	if e.Errors != nil && e.Errors.Text == strconv.Itoa(e.Errors.Max) {
		e.Errors.Min = 0
	}
	return e.Window.Validate()
}

func (e *expectLoadErrors) Execute(ctx context.Context, r *scenarios.Run) error {
	recs, err := e.records(r)
	if err != nil {
		return err
	}
	s := loadgen.Summarize(recs)
	var bad bool
	var want string
	if e.Errors != nil {
		bad, want = !e.Errors.Contains(s.Errors), fmt.Sprintf("errors %s", e.Errors)
		if e.Errors.Min == 0 {
			want = fmt.Sprintf("at most %d errors", e.Errors.Max)
		}
	} else {
		bad, want = s.ErrorRate > float64(*e.ErrorRate), fmt.Sprintf("an error rate of at most %.2f%%", 100*float64(*e.ErrorRate))
	}
	if bad {
		first := "none"
		if s.FirstError != nil {
			first = at(r, *s.FirstError)
		}
		return fmt.Errorf("load %s%s: want %s, got %s; first error %s", e.Load, e.where(), want, s, first)
	}
	r.Notef("load %s%s: %s", e.Load, e.where(), s)
	return nil
}
