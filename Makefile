# The README's commands. Each target provisions what is missing first
# (scripts/setup.sh: Node, Yarn and dependencies inside the repository).
SHELL := /bin/bash
.DEFAULT_GOAL := help
ENV := source scripts/env.sh &&

.PHONY: help setup start test lint typecheck build bench clean screenshots

help:
	@echo "make start   provision, then run the app (frontend :3000, backend :7007)"
	@echo "make test    provision, then type check, lint, prettier and every test"
	@echo "make setup   provision only (Node, Yarn, dependencies)"
	@echo "make lint    eslint and prettier"
	@echo "make bench   benchmarks (results in docs/benchmarks.md)"
	@echo "make build   build every package"
	@echo "make screenshots  copy the end-to-end suite's screenshots to docs/images"

setup:
	@scripts/setup.sh

start: setup
	@$(ENV) yarn start

test: setup
	@scripts/test.sh

lint: setup
	@$(ENV) yarn backstage-cli repo lint && yarn prettier --check .

typecheck: setup
	@$(ENV) yarn tsc

build: setup
	@$(ENV) yarn backstage-cli repo build --all

bench: setup
	@$(ENV) node scripts/bench.mjs

# The screenshots the end-to-end suite (packages/e2e, part of `make test`)
# wrote, copied into docs/images for the README; the tests never write there.
screenshots:
	@ls packages/e2e/screenshots/*.png >/dev/null 2>&1 || { echo "no screenshots: run make test (or the e2e suite) first" >&2; exit 1; }
	@mkdir -p docs/images
	cp packages/e2e/screenshots/*.png docs/images/

clean:
	rm -rf .tools node_modules dist-types packages/*/dist plugins/*/dist
