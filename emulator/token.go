package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// loadToken returns the sandbox's API token, making one on first start. It
// is kept across restarts, like the API's port, so a script that read it
// once keeps working; only the owner can read it (0600).
func loadToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if tok := strings.TrimSpace(string(b)); len(tok) >= 32 {
			return tok, os.Chmod(path, 0o600)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading the API token %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing the API token %s: %w", path, err)
	}
	return tok, nil
}

// ReadToken returns the sandbox's API token, for clients of its TCP API.
func ReadToken(paths Paths) (string, error) {
	b, err := os.ReadFile(paths.Token)
	if err != nil {
		return "", fmt.Errorf("reading the API token: %w (is the sandbox up?)", err)
	}
	return strings.TrimSpace(string(b)), nil
}
