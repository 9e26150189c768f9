# cattle: build, test, benchmark.
GO      ?= go
BIN     := bin/cattle
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/cattle-dev/cattle/cmd/cattle/app.Version=$(VERSION)

export CGO_ENABLED=0
export TESTCONTAINERS_RYUK_DISABLED=true

.PHONY: build unit integration test bench verify conformance clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cattle

# Unit tests only: no Docker engine needed.
unit:
	$(GO) test -short ./...

# Everything, including the integration tests against the real Docker engine.
test: verify
	$(GO) test -count=1 -timeout 25m ./...

integration:
	$(GO) test -count=1 -timeout 25m -run Integration ./...

# Benchmarks against plain baselines (docker run, nginx), printed as ratios;
# one package at a time (-p 1), so no benchmark shares the machine with another.
bench: build
	CATTLE_BENCH=1 $(GO) test -p 1 -timeout 30m -run 'Bench' -bench . -benchtime 1x -v ./...

# The OCI distribution-spec conformance suite against a throwaway sandbox's
# registry (fetched from the Go module proxy, never vendored).
conformance: build
	CATTLE=$(BIN) scripts/conformance.sh

verify:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
