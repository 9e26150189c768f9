package api

import "net/http"

// loadBalancerRoutes serves load balancers and their targets.
func (s *server) loadBalancerRoutes(mux *http.ServeMux) {}
