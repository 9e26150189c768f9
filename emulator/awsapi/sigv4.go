package awsapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials are a sandbox's access key: its own, made at first start.
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// LoadCredentials returns the sandbox's access key kept in path, making one
// on first start. It is kept across restarts and only the owner can read it
// (0600).
func LoadCredentials(path string) (Credentials, error) {
	c, err := ReadCredentials(path)
	if err == nil {
		return c, os.Chmod(path, 0o600)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	c = Credentials{AccessKeyID: "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		SecretAccessKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return c, fmt.Errorf("writing the AWS credentials %s: %w", path, err)
	}
	return c, nil
}

// ReadCredentials reads the access key kept in path.
func ReadCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, fmt.Errorf("the AWS credentials file %s is damaged: remove it and restart the sandbox for new ones", path)
	}
	return c, nil
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// authHeader is what an Authorization header of SigV4 says.
type authHeader struct {
	AccessKey, Date, Region, Service string
	SignedHeaders                    []string
	Signature                        string
}

// parseAuth reads "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=HEX".
func parseAuth(h string) (authHeader, error) {
	var a authHeader
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, errors.New("the Authorization header is not AWS Signature Version 4 (AWS4-HMAC-SHA256)")
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return a, fmt.Errorf("the credential %q is not ACCESSKEY/DATE/REGION/SERVICE/aws4_request", v)
			}
			a.AccessKey, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.AccessKey == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return a, errors.New("the Authorization header lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// maxSkew is how far a request's X-Amz-Date may be from now, as AWS allows.
const maxSkew = 15 * time.Minute

// verify recomputes the request's signature with the SDK's signer, over the
// headers the client signed and the body received, and compares.
func (c Credentials) verify(r *http.Request, a authHeader, body []byte, now time.Time) *Error {
	if a.AccessKey != c.AccessKeyID {
		return &Error{Status: http.StatusForbidden, Code: "InvalidClientTokenId",
			Message: "The security token included in the request is invalid: access key " + a.AccessKey +
				" is not this sandbox's (`cattle aws-env` prints its keys)"}
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "IncompleteSignature",
			Message: "the request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ) and sign it"}
	}
	if d := now.Sub(when); d > maxSkew || d < -maxSkew {
		return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
			Message: fmt.Sprintf("Signature expired: %s is more than 15 minutes from the endpoint's time %s",
				when.Format("20060102T150405Z"), now.UTC().Format("20060102T150405Z"))}
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != hash && h != "UNSIGNED-PAYLOAD" {
		return &Error{Status: http.StatusBadRequest, Code: "XAmzContentSHA256Mismatch",
			Message: "the X-Amz-Content-Sha256 header does not match the body received"}
	} else if h == "UNSIGNED-PAYLOAD" {
		hash = h
	}
	u := *r.URL
	clone := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	for _, name := range a.SignedHeaders {
		switch name {
		case "host":
		case "content-length":
			clone.ContentLength = r.ContentLength
		default:
			clone.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, clone, hash, a.Service, a.Region, when); err != nil {
		return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch", Message: err.Error()}
	}
	want, _ := parseAuth(clone.Header.Get("Authorization"))
	if subtle.ConstantTimeCompare([]byte(want.Signature), []byte(a.Signature)) != 1 {
		return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
			Message: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method (`cattle aws-env` prints this sandbox's)."}
	}
	return nil
}
