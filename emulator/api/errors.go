package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/containerd/errdefs/pkg/errhttp"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// maxBodyBytes bounds a request body: every request is a small JSON object.
const maxBodyBytes = 1 << 20

// decode reads the request body as one JSON object into v; anything else
// is answered 400 with what is wrong with it, and decode returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeBody(http.MaxBytesReader(w, r.Body, maxBodyBytes), v); err != nil {
		writeError(w, err)
		return false
	}
	return true
}

// decodeBody reads exactly one JSON object with only known fields into v.
// Its errors are errdefs.ErrInvalid, worded for the one who sent the body.
func decodeBody(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return errdefs.Invalid("bad request body: more than one JSON value: send one object")
	}
	if raw[0] != '{' {
		// null would decode into v as nothing at all: a request with
		// every field left out.
		return errdefs.Invalid("bad request body: want a JSON object, not %s", jsonValueKind(raw[0]))
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		return bodyError(err)
	}
	return nil
}

// jsonValueKind names the JSON value that starts with c.
func jsonValueKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// bodyError says what is wrong with a request body in the API's terms
// (JSON fields and types), not in Go's.
func bodyError(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errdefs.Invalid("bad request body: it is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errdefs.Invalid("bad request body: the JSON ends too early")
	case errors.As(err, &tooLarge):
		return errdefs.Invalid("bad request body: larger than the %d bytes allowed", tooLarge.Limit)
	case errors.As(err, &syntax):
		return errdefs.Invalid("bad request body: not valid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		return errdefs.Invalid("bad request body: field %q must be %s, not %s", jsonPath(typ.Field), jsonKind(typ.Type.String()), article(typ.Value))
	}
	return errdefs.Invalid("bad request body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go type as the JSON a client should send for it.
func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number in range"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object" // a map or a struct
}

// jsonPath drops from encoding/json's path to a field the names of
// embedded Go structs, which the JSON does not show.
func jsonPath(field string) string {
	var keep []string
	for _, part := range strings.Split(field, ".") {
		if part != "" && !unicode.IsUpper(rune(part[0])) {
			keep = append(keep, part)
		}
	}
	return strings.Join(keep, ".")
}

// article puts "a" or "an" before what encoding/json found ("string",
// "number 1.5", "array", "object").
func article(value string) string {
	if value != "" && strings.ContainsRune("aeiou", rune(value[0])) {
		return "an " + value
	}
	return "a " + value
}

func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the status of the error's class (errhttp keeps
// the table) and the error's own message.
func writeError(w http.ResponseWriter, err error) {
	status := errhttp.ToHTTP(err)
	if status >= http.StatusInternalServerError && status != http.StatusServiceUnavailable {
		slog.Error("request failed", "err", err)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message = errorCode(status), err.Error()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// errorCode is the code an error body carries beside its status.
func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InvalidParameter"
	case http.StatusServiceUnavailable:
		return "EngineUnavailable"
	case http.StatusInternalServerError:
		return "InternalError"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// queryError is a query parameter that does not parse.
func queryError(name, value, want string) error {
	return errdefs.Invalid("bad query parameter %s=%q: want %s", name, value, want)
}

// queryCount reads an optional count (0 when absent): a whole number, not
// negative.
func queryCount(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, queryError(name, v, "a whole number, 0 or more")
	}
	return n, nil
}

// querySeq reads an optional event sequence number (0 when absent).
func querySeq(r *http.Request, name string) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, queryError(name, v, "an event sequence number, 0 or more")
	}
	return n, nil
}

// queryDuration reads an optional duration (0 when absent), not negative.
func queryDuration(r *http.Request, name string) (time.Duration, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, queryError(name, v, "a duration like 30s, 0 or more")
	}
	return d, nil
}

// queryBool reads an optional true or false (false when absent).
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, queryError(name, v, "true or false")
	}
	return b, nil
}
