package runner

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// The JUnit report is read back with encoding/xml and checked against what
// CI systems need: counts that add up, one test case per step, a failure
// with its message, skipped steps marked, times as seconds.
// junitDoc is what a CI server reads of a JUnit report.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Time       string `xml:"time,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped   *struct{} `xml:"skipped"`
			SystemOut string    `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitReport(t *testing.T) {
	res := &Result{
		Scenario: "demo", File: "demo.yaml", Sandbox: "scn-1", Timing: "fast", Ephemeral: true,
		Started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Duration: Millis(12500 * time.Millisecond),
		Steps: []StepResult{
			{Label: "setup 1", Title: "template web", Kind: "template", Status: Passed, Duration: Millis(100 * time.Millisecond), Notes: []string{"made <web> & co"}},
			{Label: "step 1", Title: "expect {instances: 4}", Kind: "instance_count", Status: Failed, Position: "demo.yaml:9:5",
				Duration: Millis(2 * time.Second), Error: `after 2s: want 4 running, found 2 "quoted" <tag>`},
			{Label: "step 2", Title: "wait 1s", Kind: "wait", Status: Skipped},
		},
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, res); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration: %.60s", buf.String())
	}
	var doc junitDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 0 || doc.Time != "12.500" || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: tests %d failures %d errors %d time %s suites %d", doc.Tests, doc.Failures, doc.Errors, doc.Time, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "demo" || s.Tests != 3 || s.Failures != 1 || s.Skipped != 1 || s.Time != "12.500" || s.Timestamp != "2025-01-02T03:04:05" {
		t.Errorf("testsuite: %+v", s)
	}
	if len(s.Properties) == 0 || s.Properties[0].Name != "file" || s.Properties[0].Value != "demo.yaml" {
		t.Errorf("properties: %+v", s.Properties)
	}
	if len(s.Cases) != 3 {
		t.Fatalf("%d test cases, want 3", len(s.Cases))
	}
	for _, c := range s.Cases {
		if c.Classname != "cattle.scenario.demo" || c.Time == "" {
			t.Errorf("test case %q: classname %q time %q", c.Name, c.Classname, c.Time)
		}
	}
	if c := s.Cases[0]; c.Name != "setup 1: template web" || c.Failure != nil || c.Skipped != nil || c.SystemOut != "made <web> & co" || c.Time != "0.100" {
		t.Errorf("passed case: %+v", c)
	}
	f := s.Cases[1].Failure
	if f == nil || f.Message != `after 2s: want 4 running, found 2 "quoted" <tag>` || f.Type != "instance_count" || !strings.Contains(f.Text, "demo.yaml:9:5") {
		t.Errorf("failed case: %+v", f)
	}
	if s.Cases[2].Skipped == nil || s.Cases[2].Failure != nil {
		t.Errorf("skipped case: %+v", s.Cases[2])
	}
}
