// Package drift finds the differences between what was launched and what
// runs, and removes them by replacement, never by repair. The kinds it sees
// (after CloudFormation's drift detection and Pumba's, Toxiproxy's and AWS
// FIS's faults): missing, state, image, config, filesystem and unmanaged.
// It also injects drift, the ways people break servers, for the scenarios
// and for `cattle drift inject`.
package drift

import "time"

// Kinds of drift.
const (
	KindMissing    = "missing"
	KindState      = "state"
	KindImage      = "image"
	KindConfig     = "config"
	KindFilesystem = "filesystem"
	KindUnmanaged  = "unmanaged"
)

// Statuses of an instance in a report (CloudFormation's words).
const (
	StatusInSync    = "IN_SYNC"
	StatusModified  = "MODIFIED"
	StatusDeleted   = "DELETED"
	StatusUnmanaged = "UNMANAGED"
)

// Changes a difference makes.
const (
	ChangeAdd    = "add"
	ChangeRemove = "remove"
	ChangeModify = "modify"
)

// Difference is one way a container differs from what was launched: a
// path of its filesystem, or a field of its configuration or state.
type Difference struct {
	Kind     string `json:"kind"`
	Path     string `json:"path,omitempty"`
	Field    string `json:"field,omitempty"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Change   string `json:"change"`
}

// InstanceReport is what a scan found of one instance (or of a container
// no instance owns).
type InstanceReport struct {
	ID          string       `json:"id"`
	Group       string       `json:"group,omitempty"`
	Zone        string       `json:"zone,omitempty"`
	Container   string       `json:"container,omitempty"`
	Status      string       `json:"status"`
	Kind        string       `json:"kind,omitempty"`
	Differences []Difference `json:"differences"`
	// Remediation says what was done: "replaced by i-...", "replacing",
	// "report only", "none".
	Remediation string `json:"remediation,omitempty"`
}

// Summary counts a report's instances.
type Summary struct {
	Total     int `json:"total"`
	InSync    int `json:"in_sync"`
	Drifted   int `json:"drifted"`
	Missing   int `json:"missing"`
	Unmanaged int `json:"unmanaged"`
}

// Report is the outcome of one scan.
type Report struct {
	ScannedAt time.Time        `json:"scanned_at"`
	Group     string           `json:"group,omitempty"`
	Summary   Summary          `json:"summary"`
	Instances []InstanceReport `json:"instances"`
	// Replaced are the drifted instances replaced lately, each with the
	// instance that replaced it (they are gone: no longer in Instances).
	Replaced []Replaced `json:"replaced"`
}

// Replaced is one drifted instance and the fresh one that replaced it.
type Replaced struct {
	ID         string    `json:"id"`
	Group      string    `json:"group"`
	Kind       string    `json:"kind"`
	ReplacedBy string    `json:"replaced_by"`
	At         time.Time `json:"at"`
}

// Drifted reports whether the scan found any drift.
func (r Report) Drifted() bool { return r.Summary.Total != r.Summary.InSync }

// summarize counts the instances by status.
func summarize(insts []InstanceReport) Summary {
	var s Summary
	for _, i := range insts {
		s.Total++
		switch i.Status {
		case StatusInSync:
			s.InSync++
		case StatusModified:
			s.Drifted++
		case StatusDeleted:
			s.Missing++
		case StatusUnmanaged:
			s.Unmanaged++
		}
	}
	return s
}
