# pbxagent — build, run, test, benchmark.
GO      ?= go
BIN     ?= bin/pbxagent
PKGS    ?= ./...
# Tests that start real peers share the machine's two cores; keep parallel packages modest.
TESTFLAGS ?= -p 2 -timeout 12m

.PHONY: all build run test bench bench-sip lint fmt vet client

all: build

# The version and commit `pbxagent version` prints, from git (a build outside a checkout falls
# back to Go's build information).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS ?= -X github.com/pbxagent/pbxagent/agent.Version=$(VERSION) -X github.com/pbxagent/pbxagent/agent.Commit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pbxagent

## run: build and start the daemon on embedded defaults (Badger under ./data, HTTP on 127.0.0.1:8080);
## ARGS="--region BA …" passes flags to serve.
run: build
	./$(BIN) serve $(ARGS)

## test: the whole suite (unit, integration against real peers, fuzz seeds).
test:
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

## bench: Go benchmarks plus the load scripts that compare against baselines measured in the
## same run (PostgreSQL \copy for the import, a SIPp 302 responder for the SIP dip).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m $(PKGS)
	testlab/bench/import.sh
	testlab/sipp/bench.sh
	testlab/bench/ldap.sh

## bench-sip: the SIP user agent's figures against SIPp (issue #23; docs/sip-testing.md):
## 200 calls with RTP both ways on one core (jitter from a tshark capture), calls per second.
bench-sip:
	testlab/sipua/bench.sh

## lint: gofmt, go vet and staticcheck (fetched through the module proxy at a pinned version).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) $(PKGS)

vet:
	$(GO) vet $(PKGS)

## client: regenerate the JavaScript client (web/public/pbxagent.js, pbxagent.d.ts) from the
## OpenAPI document of a daemon with every feature on; TestJSClientUpToDate fails until it is run.
client:
	$(GO) test ./agent -run '^TestJSClientUpToDate$$' -count=1 -update-client

fmt:
	gofmt -w $$(git ls-files '*.go')
