package awsapi

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// What AWS's launch template data has no field for (the environment, the
// port the instance serves, its health check path) travels in UserData as
// comment lines a shell script ignores:
//
//	#cattle:env DEMO_VERSION=v2
//	#cattle:port 8080
//	#cattle:health /healthz
//
// A version made through the AWS endpoint takes them from its UserData and
// keeps the rest as its user data; describing a version writes them back in
// front of it, whichever front made the version.
const directive = "#cattle:"

// applyUserData sets data's user data, environment, port and health path
// from base64 UserData as AWS sends it.
func applyUserData(data *compute.TemplateData, encoded string) error {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return Errorf("InvalidUserData.Malformed", "UserData is not valid base64: %v", err)
	}
	data.Env, data.Port, data.Health = nil, 0, compute.HealthCheck{}
	var rest []string
	for line := range strings.SplitSeq(string(raw), "\n") {
		d, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), directive)
		if !ok {
			rest = append(rest, line)
			continue
		}
		if err := applyDirective(data, d); err != nil {
			return err
		}
	}
	data.UserData = strings.Join(rest, "\n")
	return nil
}

func applyDirective(data *compute.TemplateData, d string) error {
	key, val, _ := strings.Cut(d, " ")
	val = strings.TrimSpace(val)
	switch key {
	case "env":
		k, v, ok := strings.Cut(val, "=")
		if !ok || k == "" {
			return Errorf("InvalidUserData.Malformed", "the UserData line %q must read %senv NAME=VALUE", directive+d, directive)
		}
		if data.Env == nil {
			data.Env = map[string]string{}
		}
		data.Env[k] = v
	case "port":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > 65535 {
			return Errorf("InvalidUserData.Malformed", "the UserData line %q must read %sport N (1-65535)", directive+d, directive)
		}
		data.Port = n
	case "health":
		data.Health.Path = val
	default:
		return Errorf("InvalidUserData.Malformed", "the UserData line %q is no cattle directive: use %senv, %sport or %shealth",
			directive+d, directive, directive, directive)
	}
	return nil
}

// userData is a version's UserData as AWS returns it (base64), with the
// directives for its environment, port and health path in front.
func userData(data compute.TemplateData) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(data.Env)) {
		lines = append(lines, fmt.Sprintf("%senv %s=%s", directive, k, data.Env[k]))
	}
	if data.Port != 0 {
		lines = append(lines, fmt.Sprintf("%sport %d", directive, data.Port))
	}
	if data.Health.Path != "" {
		lines = append(lines, directive+"health "+data.Health.Path)
	}
	if data.UserData != "" {
		lines = append(lines, data.UserData)
	}
	if len(lines) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(strings.Join(lines, "\n")))
}
