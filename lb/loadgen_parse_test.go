package lb

import (
	"testing"
	"time"
)

func TestParseWrkOutput(t *testing.T) {
	out := `Running 5s test @ http://127.0.0.1:36789/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  450.12us  12.00ms   80.00%
    Req/Sec    14.52k     1.01k   16.20k    71.00%
  Latency Distribution
     50%  840.00us
     75%    1.20ms
     90%    1.80ms
     99%    3.52ms
  144521 requests in 5.00s, 30.12MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  28904.20
Transfer/sec:      6.02MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.throughput != 28904.20 || r.requests != 144521 || r.p50 != 840*time.Microsecond || r.p99 != 3520*time.Microsecond || r.failures != 6 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("parsed output without numbers")
	}
}
