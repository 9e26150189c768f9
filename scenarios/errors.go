package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Position is a place in a scenario file.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// FileError is a problem in a scenario file, at a place in it. It is an
// errdefs.ErrInvalid: a bad file is bad usage, and the CLI exits 2.
type FileError struct {
	Pos Position
	Msg string
}

func (e *FileError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Is makes a FileError match errdefs.ErrInvalid.
func (e *FileError) Is(target error) bool { return target == errdefs.ErrInvalid }

// fieldError is what a step's Validate returns about one of its keys, so
// that the message points at that key rather than at the whole step.
type fieldError struct {
	key string
	msg string
}

func (e *fieldError) Error() string { return e.msg }

// FieldError reports a bad value of one key from a step's Validate method.
func FieldError(key, format string, args ...any) error {
	return &fieldError{key: key, msg: fmt.Sprintf(format, args...)}
}

// MaxErrors bounds how many problems one check reports: past that, the
// rest are usually echoes of the first.
const MaxErrors = 20

// FileErrors is every problem found in a scenario file, in file order. It
// is an errdefs.ErrInvalid, and errors.As finds its first *FileError.
type FileErrors struct {
	Errs    []*FileError
	Omitted int // problems found past MaxErrors
}

func (e *FileErrors) Error() string {
	lines := make([]string, 0, len(e.Errs)+1)
	for _, fe := range e.Errs {
		lines = append(lines, fe.Error())
	}
	if e.Omitted > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more problems: fix these first", e.Omitted))
	}
	return strings.Join(lines, "\n")
}

// Is makes FileErrors match errdefs.ErrInvalid.
func (e *FileErrors) Is(target error) bool { return target == errdefs.ErrInvalid }

// Unwrap gives errors.As the problems one by one.
func (e *FileErrors) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, fe := range e.Errs {
		out[i] = fe
	}
	return out
}

// Problems lists the problems of err, one line each: every one of a
// FileErrors, or err itself.
func Problems(err error) []string {
	var fes *FileErrors
	if errors.As(err, &fes) {
		return strings.Split(fes.Error(), "\n")
	}
	return []string{err.Error()}
}

// errNoted says the problem is already among the decoder's: whoever gets
// it goes on without reporting it again.
var errNoted = errors.New("scenarios: the problem was noted")

// collect records a problem, unless it is already recorded.
func (d *Decoder) collect(err error) {
	if err == nil || errors.Is(err, errNoted) {
		return
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		fe = &FileError{Pos: Position{File: d.file}, Msg: err.Error()}
	}
	d.errs = append(d.errs, fe)
}

// fileErrors returns the problems found, in file order: nil for none, the
// one *FileError for one, a *FileErrors for more.
func fileErrors(errs []*FileError) error {
	if len(errs) == 0 {
		return nil
	}
	sorted := slices.Clone(errs)
	slices.SortStableFunc(sorted, func(a, b *FileError) int {
		if c := cmp.Compare(a.Pos.Line, b.Pos.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Pos.Column, b.Pos.Column)
	})
	sorted = slices.CompactFunc(sorted, func(a, b *FileError) bool { return a.Error() == b.Error() })
	if len(sorted) == 1 {
		return sorted[0]
	}
	out := &FileErrors{Errs: sorted}
	if len(sorted) > MaxErrors {
		out.Errs, out.Omitted = sorted[:MaxErrors], len(sorted)-MaxErrors
	}
	return out
}
