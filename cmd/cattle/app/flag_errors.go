package app

import (
	"errors"

	"github.com/spf13/pflag"
)

// plainFlagError says what a flag's value should have been, in place of
// the Go parse error under pflag's message ("strconv.ParseUint: parsing
// "-5": invalid syntax").
func plainFlagError(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	f := ive.GetFlag()
	want, ok := flagValueWords[f.Value.Type()]
	if !ok {
		return err
	}
	return usagef("--%s %q: want %s", f.Name, ive.GetValue(), want)
}

// flagValueWords describes what a flag of each pflag type takes.
var flagValueWords = map[string]string{
	"uint":     "a whole number from 0",
	"uint64":   "a whole number from 0",
	"int":      "a whole number",
	"int64":    "a whole number",
	"float64":  "a number",
	"duration": "a duration like 30s, 500ms or 2m",
	"bool":     "true or false",
}
