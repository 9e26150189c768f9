package runner

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The JUnit XML that CI systems read (Jenkins' junit-10.xsd, which GitLab,
// GitHub actions and the rest follow): one testsuite per scenario, one
// testcase per step. Children keep the schema's order: skipped, failure,
// system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	ID         int             `xml:"id,attr"`
	Package    string          `xml:"package,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the result as JUnit XML.
func WriteJUnit(w io.Writer, res *Result) error {
	host, _ := os.Hostname()
	suite := junitSuite{
		Name: res.Scenario, Tests: len(res.Steps), Failures: res.Count(Failed), Skipped: res.Count(Skipped),
		Time: secs(time.Duration(res.Duration)), Timestamp: res.Started.UTC().Format("2006-01-02T15:04:05"),
		Hostname: host, Package: "cattle.scenario",
		Properties: []junitProperty{
			{"file", res.File}, {"sandbox", res.Sandbox}, {"timing", res.Timing},
			{"ephemeral", strconv.FormatBool(res.Ephemeral)},
		},
	}
	if res.TeardownError != "" {
		suite.Errors = 1
		suite.SystemErr = "teardown failed: " + res.TeardownError
	}
	var out strings.Builder
	for _, st := range res.Steps {
		c := junitCase{
			Name:      st.Label + ": " + st.Title,
			Classname: "cattle.scenario." + res.Scenario,
			Time:      secs(time.Duration(st.Duration)),
			SystemOut: strings.Join(st.Notes, "\n"),
		}
		switch st.Status {
		case Failed:
			c.Failure = &junitFailure{Message: st.Error, Type: st.Kind,
				Text: fmt.Sprintf("%s (%s): %s\n%s", st.Label, st.Position, st.Source, st.Error)}
		case Skipped:
			c.Skipped = &junitSkipped{Message: "an earlier step failed"}
		}
		suite.Cases = append(suite.Cases, c)
		fmt.Fprintf(&out, "%s %s %s\n", st.Label, strings.ToUpper(st.Status), st.Title)
	}
	suite.SystemOut = out.String()
	doc := junitSuites{
		Name: "cattle scenarios", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
