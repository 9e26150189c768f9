package demoapp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseFlagsListen(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, ":8080"},
		{"DEMO_LISTEN", nil, map[string]string{"DEMO_LISTEN": "127.0.0.1:9000", "PORT": "7000"}, "127.0.0.1:9000"},
		{"PORT", nil, map[string]string{"PORT": "7000"}, ":7000"},
		{"flag wins", []string{"--listen", ":9999"}, map[string]string{"DEMO_LISTEN": ":9000"}, ":9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := parseFlags(tt.args, envMap(tt.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if opts.listen != tt.want {
				t.Errorf("listen = %q, want %q", opts.listen, tt.want)
			}
		})
	}
}

func TestParseFlagsHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var out bytes.Buffer
		_, err := parseFlags([]string{arg}, envMap(nil), &out)
		if !errors.Is(err, errHelpShown) {
			t.Fatalf("%s: err = %v, want help shown", arg, err)
		}
		for _, want := range []string{"--listen", "--self-test", "DEMO_ERROR_RATE"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: usage lacks %s:\n%s", arg, want, out.String())
			}
		}
	}
}

func TestParseFlagsRefusesUnknownAndExtra(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"serve"}} {
		if _, err := parseFlags(args, envMap(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
