// Package lb is cattle's load balancer data plane: listeners that proxy HTTP
// to target groups, health checks, draining and metrics. It knows nothing of
// the rest of cattle: the control plane creates target groups and load
// balancers and pushes target lists into them with Register and Deregister.
//
// The rules follow an AWS Application Load Balancer:
//
//   - A newly registered target is "initial" and gets no traffic until it has
//     passed HealthyThreshold consecutive checks. Its first check runs at once.
//   - Traffic goes to healthy targets only. Fail open: when no target is
//     healthy but some are "unhealthy", the group routes to all the unhealthy
//     ones (a check that is wrong should not take a whole service down).
//     Targets still in "initial" never get traffic, not even when failing
//     open: if a group holds only initial targets, requests get 503.
//   - Deregister stops new requests at once (no request is handed to a target
//     after Deregister has returned), lets requests in flight finish, and
//     reports "unused" when they have, or when DeregistrationDelay is over.
//   - 502 when the target breaks the connection, 504 when it does not answer
//     within TargetTimeout, 503 when the group has no target to route to. A
//     request that no target took is sent to another target first, as
//     nginx's proxy_next_upstream does: one whose target refused the
//     connection (its process just died), and one without a body that may be
//     sent twice (GET, HEAD, ...) whose target closed the connection without
//     a byte of answer. A request that a target answered, even with an error,
//     is never sent again.
//   - Algorithms round_robin and least_outstanding_requests; slow start ramps a
//     newly healthy target's share linearly (not with least outstanding
//     requests, as in AWS); weighted forwarding spreads requests across groups.
//
// Every response that a target served, or that failed on a target, carries
// the header X-Cattle-Target naming the target id.
//
// The proxy is a small HTTP/1.1 engine of its own rather than net/http's
// server and ReverseProxy: each client connection is served on one
// goroutine that also does the target I/O over pooled keep-alive
// connections, with no goroutine hand-offs and no allocation per request.
// The benchmark (bench_integration_test.go, make bench-speed) measures it
// in one run beside nginx and two proxies doing the same work: net/http's
// ReverseProxy with a tuned transport (1024 idle connections per host, a
// pool of copy buffers) and a proxy on fasthttp's server and HostClient.
// On 2 cores shared with wrk and the three backends (2026-12-03), best
// of 5 rounds of 4 s, throughput as a share of nginx's, p99 against
// nginx's, CPU per request:
//
//	                     cattle              fasthttp            ReverseProxy        nginx
//	64 conns, keep-alive 1.14x p99 0.60x 44µs 0.84x p99 0.86x 53µs 0.51x p99 1.42x 132µs 16.8k/s 45µs
//	256, keep-alive      0.92x p99 1.20x 52µs 0.91x p99 1.15x 59µs 0.52x p99 1.77x 135µs 16.6k/s 50µs
//	64, a conn/request   0.87x p99 1.12x 125µs 0.79x p99 1.19x 129µs 0.60x p99 1.77x 226µs 8.2k/s 96µs
//	256, a conn/request  0.90x p99 1.18x 103µs 0.94x p99 1.13x 102µs 0.64x p99 2.02x 194µs 8.7k/s 79µs
//
// ReverseProxy stays far behind: two to three times the CPU per request.
// fasthttp's client and server come close: this engine takes 11-17% less
// CPU per request with keep-alive, what a load balancer in front of
// services mostly sees, and the same with a connection per request (once
// its client connection buffers were pooled; before, it took 10% more).
// That margin is why the engine stays; it is not a wide one, and fasthttp
// would be the base to measure against again before growing the engine.
// No proxy reaches 1.2x nginx here, where the backends and wrk take most
// of the two cores, and a single round swings by 10-20%. It
// speaks HTTP/1.1 and 1.0 on both sides (no HTTP/2, no TLS: cattle listens
// on loopback), keep-alive and pipelining, chunked bodies both ways,
// Expect: 100-continue (answered by the load balancer), protocol upgrades
// (WebSocket) as a tunnel, and X-Forwarded-For/-Proto/-Port as an ALB.
// Chunked trailers and interim 1xx responses from targets are dropped.
// A request without a body that fails on a reused keep-alive connection
// (the target closed it while idle) is sent again on a new connection: it
// never reached the application, so this is not an ALB-style retry.
//
// The head parsers are fuzzed against net/http's (fuzz_test.go): they agree
// on every head but these, where lb is deliberately stricter: it refuses
// CONNECT (405), HTTP versions other than 1.0 and 1.1 (505), a request with
// both Content-Length and Transfer-Encoding, Transfer-Encoding in an HTTP/1.0
// message (RFC 9112 6.1: faulty framing), obsolete line folding, status codes
// outside 100-599, response field names that are not tokens or values with
// control characters; and it closes the target connection after a response
// framed by both Content-Length and Transfer-Encoding. It is looser in two:
// it ignores up to a few empty lines before a request (RFC 9112 2.2), and it
// checks a request target only for spaces and control characters, leaving
// its syntax to the target.
//
// Timeouts: a client gets IdleTimeout between requests and 10s to send a
// request head; body reads and writes must progress within IdleTimeout.
// A client that hangs up while its request waits on a target is noticed
// (after 20ms; faster requests are not watched) and the target connection
// is closed, so the target sees its request cancelled.
package lb
