# cattle: build, test, benchmark.
GO      ?= go
BIN     := bin/cattle
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
# The commit's own time, not the build's: the same commit gives the same bytes.
DATE    := $(shell git log -1 --format=%cI 2>/dev/null)
VPKG    := github.com/cattle-dev/cattle/internal/version
LDFLAGS := -s -w -buildid= -X $(VPKG).Version=$(VERSION) -X $(VPKG).Commit=$(COMMIT) -X $(VPKG).Date=$(DATE)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
DIST    ?= dist

# Checkers, pinned; `go run pkg@version` fetches them on a fresh machine.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE    := golang.org/x/tools/cmd/deadcode@v0.52.0

export CGO_ENABLED=0
export TESTCONTAINERS_RYUK_DISABLED=true

.PHONY: build unit integration test bench bench-speed verify conformance clean release release-check notices docs

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
# The soak alone runs 30 minutes (CATTLE_SOAK_DURATION shortens it).
# Each ratio lands in docs/bench.json (name, ratio, both raw figures, cores,
# engine version), replacing that benchmark's last entry: compare with git diff.
bench: build
	CATTLE_BENCH=1 CATTLE_BENCH_REPORT=$(CURDIR)/docs/bench.json $(GO) test -p 1 -timeout 60m -run 'Bench' -bench . -benchtime 1x -v ./...
	CATTLE_BENCH=1 $(GO) test -count=1 -timeout 10m -run 'TestIntegrationBuiltinScenarios/aws-clock' -v ./scenarios/runner/

# The speed benchmarks alone, side by side in one run: launch until
# answering, 0 -> 50 until 50 healthy targets, the load balancer against
# nginx (needs nginx-light and wrk), and 200 instances.
bench-speed: build
	CATTLE_BENCH=1 CATTLE_BENCH_REPORT=$(CURDIR)/docs/bench.json $(GO) test -p 1 -count=1 -timeout 60m \
		-run 'TestIntegrationBench(Launch|ScaleOut|VsNginx|ServingAtScale)$$' -v ./emulator/compute ./emulator/autoscaling ./lb

# The OCI distribution-spec conformance suite against a throwaway sandbox's
# registry (fetched from the Go module proxy, never vendored).
conformance: build
	CATTLE=$(BIN) scripts/conformance.sh

# Fails on unformatted code, an untidy go.mod, vet or staticcheck findings,
# and functions nothing reaches (tests included).
verify:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@out=$$($(GO) run $(DEADCODE) -test ./...) || exit 1; \
	if [ -n "$$out" ]; then echo "unreachable functions (remove them, or use them):"; echo "$$out"; exit 1; fi

# Static binaries for every platform, with SHA256SUMS: make release VERSION=v0.1.0
release:
	@case "$(VERSION)" in v[0-9]*) ;; *) echo "make release needs VERSION=vX.Y.Z (got $(VERSION))"; exit 2;; esac
	rm -rf $(DIST) && mkdir -p $(DIST)
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=$(DIST)/cattle_$(VERSION)_$${os}_$${arch}; \
		echo "building $$out"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/cattle || exit 1; \
	done
	cd $(DIST) && sha256sum cattle_* > SHA256SUMS && cat SHA256SUMS

# Builds the release twice, the second time from a copy of the tree at
# another path, and fails unless both give byte-identical binaries.
release-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	$(MAKE) --no-print-directory release VERSION=$(or $(filter v%,$(VERSION)),v0.0.0-check) DIST=$$tmp/a >/dev/null && \
	git worktree add -q --detach $$tmp/tree HEAD && \
	$(MAKE) --no-print-directory -C $$tmp/tree release VERSION=$(or $(filter v%,$(VERSION)),v0.0.0-check) DIST=$$tmp/b >/dev/null; \
	status=$$?; git worktree remove --force $$tmp/tree; [ $$status -eq 0 ] || exit $$status; \
	if cmp -s $$tmp/a/SHA256SUMS $$tmp/b/SHA256SUMS; then echo "release-check: reproducible"; cat $$tmp/a/SHA256SUMS; \
	else echo "release-check: the two builds differ:"; diff $$tmp/a/SHA256SUMS $$tmp/b/SHA256SUMS; exit 1; fi

# The command reference (Markdown and man pages) and the scenario steps, from
# the code (a test checks docs/cli is current).
docs: build
	rm -rf docs/cli && $(BIN) docs --dir docs/cli

# THIRD_PARTY_NOTICES.md from the module graph (a test checks it is current).
notices:
	$(GO) run ./internal/licenses/gen > THIRD_PARTY_NOTICES.md

clean:
	rm -rf bin $(DIST)
