package runner

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// WriteJSON writes the result (the journal) as indented JSON.
func WriteJSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// WriteFile writes a report through write into path, atomically.
func WriteFile(path string, res *Result, write func(io.Writer, *Result) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp, res); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }
