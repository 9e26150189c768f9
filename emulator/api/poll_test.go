package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
)

func TestPollChecksUntilDone(t *testing.T) {
	calls := 0
	err := api.Poll(context.Background(), time.Millisecond, func(ctx context.Context) (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Poll: %v after %d checks, want nil after 3", err, calls)
	}
}

func TestPollStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := api.Poll(context.Background(), time.Millisecond, func(ctx context.Context) (bool, error) {
		calls++
		return false, boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("Poll: %v after %d checks, want boom after 1", err, calls)
	}
}

func TestPollEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := api.Poll(ctx, time.Hour, func(ctx context.Context) (bool, error) {
		calls++
		cancel() // ended while Poll waits an hour
		return false, nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("Poll: %v after %d checks, want context.Canceled after 1", err, calls)
	}
}
