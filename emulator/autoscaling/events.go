package autoscaling

import (
	"strconv"

	"github.com/cattle-dev/cattle/store"
)

// Event kinds this package appends, all on resource "group/NAME".
const (
	EventGroupCreated  = "group.created"
	EventGroupScale    = "group.scale"
	EventGroupDeleting = "group.deleting"
	EventGroupDeleted  = "group.deleted"
	EventGroupConfig   = "group.config"
	EventGroupPolicy   = "group.policy"
	EventLaunch        = "group.launch"
	EventLaunchFailed  = "group.launch_failed"
	EventTerminate     = "group.terminate"
	EventReplace       = "group.replace"
	EventRegister      = "group.register"

	EventRefreshStarted    = "refresh.started"
	EventRefreshStatus     = "refresh.status"
	EventRefreshProgress   = "refresh.progress"
	EventRefreshCheckpoint = "refresh.checkpoint"
	EventRefreshLaunch     = "refresh.launch"
	EventRefreshTerminate  = "refresh.terminate"
	EventRefreshResumed    = "refresh.resumed"
)

func (s *Service) groupEvent(kind, group, msg string, fields map[string]string) store.Event {
	if fields == nil {
		fields = map[string]string{}
	}
	fields["group"] = group
	return store.Event{Time: s.clock.Now().UTC(), Kind: kind, Resource: "group/" + group, Message: msg, Fields: fields}
}

func (s *Service) refreshEvent(kind string, r Refresh, msg string) store.Event {
	return s.groupEvent(kind, r.Group, msg, map[string]string{
		"refresh": r.ID, "status": r.Status, "percent_complete": itoa(r.PercentComplete),
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func (c Configuration) String() string {
	v := c.Version
	if v != strconv.Itoa(c.ResolvedVersion) && c.ResolvedVersion > 0 {
		v += " (" + strconv.Itoa(c.ResolvedVersion) + ")"
	}
	return c.Template + ":" + v
}
