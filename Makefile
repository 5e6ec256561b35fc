# CalendarBot. `make demo` shows the engine on a built-in sample calendar;
# `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
GO ?= go
BIN := bin
PKG := github.com/calendarbot/calendarbot
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# Fuzz targets as package:Target; `make fuzz` runs each for FUZZTIME,
# `make test` runs each for FUZZSMOKE.
FUZZ_TARGETS := ./server/ical:FuzzParse ./server/ical:FuzzValues ./server/recur:FuzzParseRule \
	./server/recur:FuzzIter ./server/calendar:FuzzExpand ./server/render:FuzzRender ./server/web:FuzzPage
FUZZTIME ?= 2m
FUZZSMOKE ?= 8s
DEMO_LISTEN ?= 127.0.0.1:8080

.PHONY: all build demo test deps image qemu-test release-check-ci vet fmt-check unit fuzz fuzz-smoke bench corpus clean release-check

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/calendarbot ./server/cmd/calendarbot

demo:
	$(GO) run ./server/cmd/calendarbot demo --listen $(DEMO_LISTEN) $(DEMOFLAGS)

test: deps fmt-check vet unit fuzz-smoke release-check-ci

# The release build and its smoke test (goreleaser, fetched at a pinned
# version) run in `make test` under CI=true; locally use `make release-check`.
release-check-ci:
	@if [ "$$CI" = true ]; then ci/release-check.sh; else echo "release-check: skipped (CI is not true; run make release-check)"; fi

# Tools the tests need beyond Go (Chromium for the kiosk page test). Under
# CI=true they are installed; locally missing ones are reported and the
# tests that need them skip with a loud message.
deps:
	@if [ "$$CI" = true ]; then ci/deps.sh; else ci/deps.sh || echo "deps: missing tools; the tests that need them will SKIP (run ci/deps.sh --install)"; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 -timeout 30m ./...

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKE)

fuzz:
	ci/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

# The appliance: SD card image for the Pi Zero 2 W and the QEMU variant, in out/.
image:
	$(GO) run ./image/cmd/mkimage --board zero2w --out out $(MKIMAGEFLAGS)
	$(GO) run ./image/cmd/mkimage --board qemu --out out $(MKIMAGEFLAGS)

# Just the QEMU boot tests (they also run in `make test`).
qemu-test: deps
	$(GO) test -count=1 -v -timeout 30m ./ci/qemu/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./server/...

# The shared regression corpus (outside this repository) against our expander.
corpus:
	$(GO) test -count=1 -run 'TestCorpus' -v ./server/calendar/ | grep -E '^(=== RUN|--- |ok|FAIL|\s+corpus)' || true

# Release binaries with the pinned goreleaser (.goreleaser.yaml): check, snapshot
# build into dist/, smoke tests, systemd unit verification (packaging/).
release-check:
	ci/release-check.sh

clean:
	rm -rf $(BIN) dist out
