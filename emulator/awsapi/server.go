package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
)

const (
	// Region is the one region a sandbox is: its zones are Region+"a"...
	Region = "us-east-1"
	// Account is the account id in every ARN and owner id.
	Account = "000000000000"
	// MaxBody is the largest request accepted, as large as any AWS Query
	// request may be.
	MaxBody = 1 << 20
)

// Backend is what the actions drive: the same services as the native API.
type Backend struct {
	Compute      *compute.Service
	LB           *elb.Service
	Groups       *autoscaling.Service
	Images       *images.Catalog
	Repositories *registry.Repositories
	// Sandbox is the sandbox's name, from which stable ids are derived.
	Sandbox string
	// RegistryAddr is the registry's 127.0.0.1:port (ECR's repository URIs).
	RegistryAddr string
}

// Request is one call of an action, as a handler sees it.
type Request struct {
	*Backend
	Service *Service
	Action  string
	// ID is the request id the response carries.
	ID string
	// Params are a Query request's parameters (EC2, Auto Scaling, ELBv2).
	Params Params
	// Body is a JSON request's body (ECR); see DecodeJSON.
	Body []byte
}

// DecodeJSON reads a JSON request's body into v; a malformed body is
// SerializationException, as AWS answers.
func (r *Request) DecodeJSON(v any) error {
	body := r.Body
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return Errorf("SerializationException", "the request body is not the JSON %s expects: %v", r.Action, err)
	}
	return nil
}

// Server is the AWS endpoint's HTTP handler.
type Server struct {
	b     *Backend
	creds Credentials
	svcs  []*Service
	now   func() time.Time
}

// NewServer returns the endpoint serving b, admitting requests signed with creds.
func NewServer(b Backend, creds Credentials) *Server {
	return &Server{b: &b, creds: creds, svcs: newServices(), now: time.Now}
}

func (s *Server) service(name string) *Service {
	for _, svc := range s.svcs {
		if svc.Name == name {
			return svc
		}
	}
	return nil
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ServeHTTP admits, authenticates, parses and dispatches one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	svc := s.guessService(r, body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, svc, reqID, &Error{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge",
				Message: "the request body is larger than the 1 MiB the endpoint accepts"})
			return
		}
		writeError(w, svc, reqID, Errorf("IncompleteSignature", "reading the request body: %v", err))
		return
	}
	if e := admit(r); e != nil {
		writeError(w, svc, reqID, e)
		return
	}
	a, e := s.authenticate(r, body)
	if e != nil {
		writeError(w, svc, reqID, e)
		return
	}
	if svc = s.service(a.Service); svc == nil {
		writeError(w, nil, reqID, Errorf("InvalidClientTokenId",
			"the credential scope names service %q: this endpoint serves ec2, autoscaling, elasticloadbalancing and ecr", a.Service))
		return
	}
	req, e := s.parse(r, svc, body)
	if e != nil {
		writeError(w, svc, reqID, e)
		return
	}
	req.ID = reqID
	s.dispatch(r.Context(), w, req)
}

func (s *Server) dispatch(ctx context.Context, w http.ResponseWriter, req *Request) {
	svc := req.Service
	act, ok := svc.actions[req.Action]
	if !ok {
		code, msg := "InvalidAction", "The action "+req.Action+" is not valid for this web service: cattle's "+
			svc.Title+" does not serve it (docs/aws.md lists what it does)."
		if svc.proto == protoJSON {
			code = "UnknownOperationException"
		}
		writeError(w, svc, req.ID, Errorf(code, "%s", msg))
		return
	}
	result, err := s.call(ctx, act, req)
	if err != nil {
		writeError(w, svc, req.ID, svc.asError(err))
		return
	}
	writeResult(w, svc, req.Action, req.ID, result)
}

// call runs a handler; a panic in it answers InternalFailure instead of
// dropping the connection, and the endpoint serves on.
func (s *Server) call(ctx context.Context, act Action, req *Request) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("aws endpoint: handler panicked", "service", req.Service.Name, "action", req.Action, "panic", p,
				"stack", string(debug.Stack()))
			result, err = nil, &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Receiver: true,
				Message: fmt.Sprintf("cattle's %s %s failed unexpectedly (%v): please report it, with the daemon's log", req.Service.Title, req.Action, p)}
		}
	}()
	return act.Handler(ctx, req)
}

// guessService picks the service whose error shape a refused request gets:
// the credential scope's, or failing that ECR's for a JSON target and the
// one whose Version the form names.
func (s *Server) guessService(r *http.Request, body []byte) *Service {
	if a, err := parseAuth(r.Header.Get("Authorization")); err == nil {
		if svc := s.service(a.Service); svc != nil {
			return svc
		}
	}
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerRegistry") {
		return s.service("ecr")
	}
	v := r.URL.Query().Get("Version")
	if form, err := url.ParseQuery(string(body)); err == nil && v == "" {
		v = form.Get("Version")
	}
	if v != "" {
		for _, svc := range s.svcs {
			if svc.Version == v {
				return svc
			}
		}
	}
	return nil
}

// admit applies the native API's rules for a loopback listener: the Host
// must be a loopback name (DNS rebinding) and an Origin, if any, this
// endpoint's own. The signature stands in for the API's token.
func admit(r *http.Request) *Error {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return &Error{Status: http.StatusForbidden, Code: "AccessDenied",
			Message: "requests must name a loopback host (127.0.0.1 or localhost), not " + r.Host}
	}
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, "http://"+r.Host) {
		return &Error{Status: http.StatusForbidden, Code: "AccessDenied",
			Message: "cross-origin requests are refused: origin " + o + " is not this endpoint's"}
	}
	return nil
}

func (s *Server) authenticate(r *http.Request, body []byte) (authHeader, *Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authHeader{}, &Error{Status: http.StatusForbidden, Code: "MissingAuthenticationToken",
			Message: "the request must be signed with AWS Signature Version 4: `eval \"$(cattle aws-env)\"` gives the aws CLI and the SDKs this sandbox's keys"}
	}
	a, err := parseAuth(h)
	if err != nil {
		return a, &Error{Status: http.StatusBadRequest, Code: "IncompleteSignature", Message: err.Error()}
	}
	return a, s.creds.verify(r, a, body, s.now())
}

// parse reads the action and its parameters: from X-Amz-Target and the JSON
// body for ECR, from the form (and the URL's query) for the others.
func (s *Server) parse(r *http.Request, svc *Service, body []byte) (*Request, *Error) {
	req := &Request{Backend: s.b, Service: svc}
	if svc.proto == protoJSON {
		target := r.Header.Get("X-Amz-Target")
		action, ok := strings.CutPrefix(target, svc.Target+".")
		if !ok || action == "" {
			return nil, Errorf("UnknownOperationException",
				"the X-Amz-Target header %q does not name an ECR action (%s.ACTION)", target, svc.Target)
		}
		req.Action, req.Body = action, body
		return req, nil
	}
	vals := r.URL.Query()
	if r.Method == http.MethodPost && len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return nil, &Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
				Message: "the AWS Query protocol takes a form-encoded body (Content-Type: application/x-www-form-urlencoded), not " + quoteOr(mt, "none")}
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, Errorf("MalformedQueryString", "the form-encoded body does not parse: %v", err)
		}
		for k, v := range form {
			vals[k] = append(vals[k], v...)
		}
	} else if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, &Error{Status: http.StatusMethodNotAllowed, Code: "InvalidHttpRequest",
			Message: "the AWS Query protocol is POST / with a form-encoded body (or GET with a query string), not " + r.Method}
	}
	req.Params = Params{v: vals, svc: svc}
	req.Action = vals.Get("Action")
	if req.Action == "" {
		return nil, Errorf("MissingAction", "the request must contain the parameter Action")
	}
	if v := vals.Get("Version"); v != svc.Version && svc.Name == "elasticloadbalancing" && v == "2012-06-01" {
		return nil, Errorf("InvalidAction", "the classic Elastic Load Balancing API (Version 2012-06-01, `aws elb`) is not served: cattle speaks ELBv2 (`aws elbv2`)")
	} else if v != svc.Version {
		return nil, Errorf("InvalidParameterValue", "%s speaks API version %s, not Version=%s", svc.Title, svc.Version, quoteOr(v, "(none)"))
	}
	return req, nil
}

func quoteOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}
