package scenarios

import (
	"fmt"

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
