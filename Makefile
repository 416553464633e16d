# minwon — see README.md. `make run` starts the demo center, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/minwon/minwon.Version=$(VERSION)
HTTP ?= 127.0.0.1:8120
DATA ?= ./data

.PHONY: all build run test test-go test-e2e bench deps ui prompts clean

all: build

deps:
	@./scripts/deps.sh

ui/node_modules/.stamp: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

ui/dist/index.html: ui/node_modules/.stamp $(shell find ui/src ui/public ui/*.html ui/vite.config.ts ui/tsconfig.json -type f 2>/dev/null)
	cd ui && npm run --silent build

ui: ui/dist/index.html

# Voice prompts: synthesized from the catalogue with espeak-ng and sox into
# prompts/wav (git-ignored), then embedded in the binary.
prompts/wav/.stamp: prompts/catalogue.tsv scripts/prompts.sh
	@./scripts/deps.sh
	./scripts/prompts.sh

prompts: prompts/wav/.stamp

build: ui prompts
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/minwon ./cmd/minwon

run: build
	./bin/minwon serve --demo --data $(DATA) --http $(HTTP)

# Every test: Go unit and integration tests (SQLite and a PostgreSQL the
# tests start themselves), then the browser tests against the built binary.
test: deps build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...
	$(MAKE) --no-print-directory test-e2e

test-e2e: e2e/node_modules/.stamp
	cd e2e && MINWON_BIN=$(CURDIR)/bin/minwon node --test --test-concurrency=1 --test-reporter=spec

e2e/node_modules/.stamp: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: deps build
	./bench/run.sh

clean:
	rm -rf bin ui/dist/assets ui/dist/*.html ui/node_modules e2e/node_modules prompts/wav/ko prompts/wav/en prompts/wav/.stamp
