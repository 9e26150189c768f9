package awsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Error is an AWS error: the code and status the service would answer.
type Error struct {
	Status  int
	Code    string
	Message string
	// Receiver marks a fault of the endpoint, not of the request
	// (<Type>Receiver</Type>).
	Receiver bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with status 400, the usual one.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// asError turns what a handler returned into the service's error: an
// *Error as it is, cattle's errdefs classes as the service's generic codes.
func (s *Service) asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, errdefs.ErrInvalid):
		return Errorf(s.invalidCode, "%s", err.Error())
	case errors.Is(err, errdefs.ErrNotFound):
		return Errorf(s.notFoundCode, "%s", err.Error())
	case errors.Is(err, errdefs.ErrConflict):
		return Errorf(s.conflictCode, "%s", err.Error())
	case errors.Is(err, errdefs.ErrUnavailable):
		return &Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: err.Error(), Receiver: true}
	}
	slog.Error("aws endpoint: internal error", "service", s.Name, "err", err)
	return &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: err.Error(), Receiver: true}
}

// writeError answers e in the shape of service s (nil: the shape of the
// Query services, when the request names no service).
func writeError(w http.ResponseWriter, s *Service, reqID string, e *Error) {
	w.Header().Set("X-Amzn-RequestId", reqID)
	if s != nil && s.proto == protoJSON {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
		return
	}
	var body any
	if s != nil && s.proto == protoEC2 {
		body = ec2ErrorBody{Code: e.Code, Message: e.Message, RequestID: reqID}
	} else {
		typ := "Sender"
		if e.Receiver {
			typ = "Receiver"
		}
		ns := ""
		if s != nil {
			ns = s.Namespace
		}
		body = queryErrorBody{Xmlns: ns, Type: typ, Code: e.Code, Message: e.Message, RequestID: reqID}
	}
	writeXML(w, e.Status, body)
}

type ec2ErrorBody struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

type queryErrorBody struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeResult answers a handler's result in service s's shape.
func writeResult(w http.ResponseWriter, s *Service, action, reqID string, result any) {
	w.Header().Set("X-Amzn-RequestId", reqID)
	if s.proto == protoJSON {
		if result == nil {
			result = struct{}{}
		}
		b, err := json.Marshal(result)
		if err != nil {
			writeError(w, s, reqID, s.asError(err))
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(b)
		return
	}
	inner, err := innerXML(result)
	if err != nil {
		writeError(w, s, reqID, s.asError(err))
		return
	}
	if s.proto == protoEC2 {
		writeXML(w, http.StatusOK, ec2Envelope{XMLName: xml.Name{Local: action + "Response"}, Xmlns: s.Namespace,
			RequestID: reqID, Inner: inner})
		return
	}
	// An empty result is still an empty <ActionResult>: the SDKs' ELBv2
	// deserializers look for it even where the output has no member.
	env := queryEnvelope{XMLName: xml.Name{Local: action + "Response"}, Xmlns: s.Namespace, RequestID: reqID,
		Result: &queryResult{XMLName: xml.Name{Local: action + "Result"}, Inner: inner}}
	writeXML(w, http.StatusOK, env)
}

type ec2Envelope struct {
	XMLName   xml.Name
	Xmlns     string `xml:"xmlns,attr"`
	RequestID string `xml:"requestId"`
	Inner     []byte `xml:",innerxml"`
}

type queryEnvelope struct {
	XMLName   xml.Name
	Xmlns     string       `xml:"xmlns,attr"`
	Result    *queryResult `xml:",omitempty"`
	RequestID string       `xml:"ResponseMetadata>RequestId"`
}

type queryResult struct {
	XMLName xml.Name
	Inner   []byte `xml:",innerxml"`
}

// innerXML encodes the fields of result, without an element of its own.
func innerXML(result any) ([]byte, error) {
	if result == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: "R"}}); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	b = bytes.TrimPrefix(b, []byte("<R>"))
	return bytes.TrimSuffix(b, []byte("</R>")), nil
}

func writeXML(w http.ResponseWriter, status int, body any) {
	b, err := xml.Marshal(body)
	if err != nil {
		slog.Error("aws endpoint: encoding a response", "err", err)
		http.Error(w, "encoding the response failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
