# Kestrel's build and test entry points. `make run` builds and starts the
# main job; `make test` installs what the tests need and runs them all.

export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO          ?= go
BIN         := bin/kestrel
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 15s

.PHONY: all build run test deps lint generate check-generated unit fuzz bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/kestrel

# The main job on its embedded defaults: watch this host live through the
# eBPF probe until Ctrl-C (needs root).
run: build
	./$(BIN)

deps:
	./scripts/install-test-deps.sh

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Rebuilds the probe's objects and event header from their sources.
generate:
	cd internal/probe && $(GO) generate

# Fails when the committed probe objects differ from what the sources build.
check-generated: generate
	@if ! git diff --quiet -- internal/probe || [ -n "$$(git ls-files --others --exclude-standard internal/probe)" ]; then \
	  git status --short -- internal/probe; \
	  echo "the committed probe objects differ from their sources: run make generate and commit"; exit 1; fi

# The allocation tests also run without -race: the race detector makes
# sync.Pool drop items, so pooled paths are only counted without it.
unit:
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Alloc' ./internal/engine/... ./internal/event/ ./internal/capture/scap/ ./internal/state/ ./internal/inspect/ ./bench/

# Each fuzz target runs briefly; the seed corpora under testdata/fuzz run
# in `unit` as regular tests.
fuzz:
	$(GO) test -run XXX -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/rules/lang/
	$(GO) test -run XXX -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./internal/rules/load/
	$(GO) test -run XXX -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME) ./internal/engine/
	$(GO) test -run XXX -fuzz '^FuzzGlob$$' -fuzztime $(FUZZTIME) ./internal/engine/match/
	$(GO) test -run XXX -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME) ./internal/capture/scap/

test: deps lint check-generated unit fuzz

bench:
	$(GO) test -run XXX -bench . -benchmem -count 5 ./bench/ ./internal/engine/... ./internal/pipeline/ ./internal/capture/scap/ ./internal/state/

clean:
	rm -rf bin
