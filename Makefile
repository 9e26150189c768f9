# cattle: build, test, benchmark.
GO      ?= go
BIN     := bin/cattle
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/cattle-dev/cattle/cmd/cattle/app.Version=$(VERSION)

# Checkers, pinned; `go run pkg@version` fetches them on a fresh machine.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE    := golang.org/x/tools/cmd/deadcode@v0.52.0

export CGO_ENABLED=0
export TESTCONTAINERS_RYUK_DISABLED=true

.PHONY: build unit integration test bench verify clean

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

# Fails on unformatted code, an untidy go.mod, vet or staticcheck findings,
# and functions nothing reaches (tests included).
verify:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@out=$$($(GO) run $(DEADCODE) -test ./...) || exit 1; \
	if [ -n "$$out" ]; then echo "unreachable functions (remove them, or use them):"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
