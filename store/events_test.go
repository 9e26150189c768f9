package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func appendEvents(t *testing.T, db *DB, kinds ...string) {
	t.Helper()
	mustUpdate(t, db, func(tx *Tx) error {
		for _, k := range kinds {
			if _, err := tx.Append(Event{Kind: k, Resource: "group/web", Message: k + " happened"}); err != nil {
				return err
			}
		}
		return nil
	})
}

func eventKinds(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

func TestAppendNumbersFromOneAndStamps(t *testing.T) {
	db := openTemp(t)
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var seqs []uint64
	mustUpdate(t, db, func(tx *Tx) error {
		s1, err1 := tx.Append(Event{Kind: "a", Seq: 99}) // a caller's Seq is ignored
		s2, err2 := tx.Append(Event{Kind: "b", Time: at, Fields: map[string]string{"from": "pending", "to": "running"}})
		seqs = []uint64{s1, s2}
		return errors.Join(err1, err2)
	})
	if seqs[0] != 1 || seqs[1] != 2 {
		t.Fatalf("Append seqs = %v, want [1 2]", seqs)
	}
	events, err := db.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Seq != 1 || events[1].Seq != 2 {
		t.Fatalf("Events = %+v, want seq 1 and 2", events)
	}
	if events[0].Time.IsZero() {
		t.Error("event appended without a time got none")
	}
	if !events[1].Time.Equal(at) {
		t.Errorf("given time = %v, want %v kept", events[1].Time, at)
	}
	if want := map[string]string{"from": "pending", "to": "running"}; !reflect.DeepEqual(events[1].Fields, want) {
		t.Errorf("Fields = %v, want %v", events[1].Fields, want)
	}
	if seq, err := db.LastEventSeq(); err != nil || seq != 2 {
		t.Errorf("LastEventSeq = %d, %v; want 2", seq, err)
	}
}

func TestEventsAfterAndLimit(t *testing.T) {
	db := openTemp(t)
	if seq, err := db.LastEventSeq(); err != nil || seq != 0 {
		t.Errorf("LastEventSeq of an empty log = %d, %v; want 0", seq, err)
	}
	appendEvents(t, db, "e1", "e2", "e3")
	appendEvents(t, db, "e4", "e5")
	cases := []struct {
		after uint64
		limit int
		want  []string
	}{
		{0, 0, []string{"e1", "e2", "e3", "e4", "e5"}},
		{2, 0, []string{"e3", "e4", "e5"}},
		{2, 2, []string{"e3", "e4"}},
		{0, 1, []string{"e1"}},
		{5, 0, nil},
		{^uint64(0), 0, nil},
	}
	for _, c := range cases {
		events, err := db.Events(c.after, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := eventKinds(events); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Events(%d, %d) = %v, want %v", c.after, c.limit, got, c.want)
		}
	}
}

func TestStateChangeAndEventCommitTogether(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		if _, err := tx.Put("instance", "i-1", map[string]string{"state": "running"}); err != nil {
			return err
		}
		_, err := tx.Append(Event{Kind: "instance.state", Resource: "instance/i-1", Message: "i-1 pending -> running"})
		return err
	})
	events, _ := db.Events(0, 0)
	if len(events) != 1 || events[0].Resource != "instance/i-1" {
		t.Errorf("events = %+v, want the instance.state event", events)
	}
	mustView(t, db, func(tx *Tx) error {
		m, err := Get[map[string]string](tx, "instance", "i-1")
		if err != nil || m["state"] != "running" {
			t.Errorf("instance i-1 = %v, %v; want running", m, err)
		}
		return nil
	})
}
