package observe

import (
	_ "embed"
	"net/http"
)

//go:embed dashboard.html
var dashboardHTML []byte

// dashboardCSP lets the page run its own inline script and style and talk
// to its own origin only: no CDN, no other site, nothing framed.
const dashboardCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// DashboardPage serves the dashboard: one page, embedded in the binary,
// that draws what the stream at /v1/stream sends.
func DashboardPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", dashboardCSP)
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(dashboardHTML)
	})
}

// StreamPath is where the dashboard's event stream is served.
const StreamPath = "/v1/stream"

// Routes serves the metrics, the dashboard and its stream on mux, and
// everything else with api, counted and timed by the metrics.
func Routes(mux *http.ServeMux, m *Metrics, s *Stream, dashboardPath string, api http.Handler) {
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET "+dashboardPath, DashboardPage())
	mux.Handle("GET "+StreamPath, s)
	mux.Handle("/", m.Instrument(api))
}
