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

// keptFields are the library's log fields worth a line in the daemon log;
// the rest (request URIs with upload state, ids, user agents) is noise.
var keptFields = map[string]bool{
	"http.request.method": true, "vars.name": true, "vars.reference": true, "vars.digest": true,
	"err.code": true, "err.message": true, "err.detail": true, "error": true,
	"provided": true, "canonical": true, "http.response.status": true,
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
		if keptFields[k] {
			attrs = append(attrs, k, v)
		}
	}
	slog.Log(ctx, level, e.Message, attrs...)
	return nil
}
