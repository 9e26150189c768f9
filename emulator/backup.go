package emulator

import (
	"context"
	"log/slog"
	"time"
)

// backupInterval is how often a running daemon copies its state to
// STATE_DIR/backups, when something changed since the last copy.
const backupInterval = 5 * time.Minute

// backupLoop copies the state at start, once the file has passed Open's
// checks, then every backupInterval until ctx ends. Stop makes the last
// copy, at shutdown.
func (d *Daemon) backupLoop(ctx context.Context) {
	t := time.NewTicker(backupInterval)
	defer t.Stop()
	for {
		d.backup("periodic")
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backup copies the state if it changed since the last copy. A failure is
// logged, not fatal: the state file itself is unharmed by it.
func (d *Daemon) backup(why string) {
	path, err := d.db.BackupIfChanged()
	if err != nil {
		slog.Warn("backing up the state failed", "err", err)
		return
	}
	if path != "" {
		slog.Debug("state backed up", "to", path, "why", why)
	}
}
