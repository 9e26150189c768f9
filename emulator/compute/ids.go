package compute

import (
	"crypto/rand"
	"encoding/hex"
)

// newID returns prefix + 17 lowercase hex digits, as EC2 ids are.
func newID(prefix string) string {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + hex.EncodeToString(b[:])[:17]
}

// NewInstanceID returns a fresh instance id.
func NewInstanceID() string { return newID("i-") }

// NewTemplateID returns a fresh launch template id.
func NewTemplateID() string { return newID("lt-") }
