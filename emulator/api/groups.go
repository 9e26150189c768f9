package api

import "net/http"

// groupRoutes serves auto scaling groups and instance refreshes.
func (s *server) groupRoutes(mux *http.ServeMux) {}
