package registry

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/sirupsen/logrus"
)

var quietOnce sync.Once

// quietLogging sends the registry library's logs (logrus's standard logger)
// to the daemon's log at warning level and above. The library logs every
// answered client error ("blob unknown" during each push) as an error:
// those go to debug, since the client got the error already.
func quietLogging() {
	quietOnce.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.SetLevel(logrus.WarnLevel)
		logrus.AddHook(slogHook{})
	})
}

type slogHook struct{}

func (slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (slogHook) Fire(e *logrus.Entry) error {
	level := slog.LevelWarn
	switch {
	case e.Message == "response completed with error":
		level = slog.LevelDebug
	case e.Level <= logrus.ErrorLevel:
		level = slog.LevelError
	}
	ctx := context.Background()
	if !slog.Default().Enabled(ctx, level) {
		return nil
	}
	attrs := []any{"component", "registry"}
	for k, v := range e.Data {
		switch k {
		case "go.version", "http.request.useragent", "http.request.remoteaddr", "http.request.host":
			continue
		}
		attrs = append(attrs, k, v)
	}
	slog.Log(ctx, level, e.Message, attrs...)
	return nil
}
