# Baton — the two commands a newcomer needs are `make run` and `make test`.
SWIFT        ?= swift
BUILD_FLAGS  ?=
BIN          := .build/debug/baton
RELEASE_BIN  := .build/release/baton

.PHONY: all deps build run test soak bench bench-waiting cron-oracle clean

all: build

# Installs the system packages Baton needs (librdkafka, SQLite headers, kcat for the examples,
# the PostgreSQL 15 server that the tests start on 127.0.0.1, Python's jsonschema and
# schemathesis for the contract tests, and optionally promtool, which lints /metrics).
# As root it installs them; otherwise it prints the exact
# command and stops.
deps:
	@missing=""; \
	pkg-config --exists rdkafka 2>/dev/null || missing="$$missing librdkafka-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	command -v kcat >/dev/null 2>&1 || missing="$$missing kcat"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql-15"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "Baton needs:$$missing"; echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi; \
	command -v promtool >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing prometheus (for promtool, which checks /metrics in the tests; optional)"; \
	    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1; }; } || \
	      echo "could not install prometheus: /metrics is checked by the parser test only"; \
	  else echo "optional: sudo apt-get install --no-install-recommends prometheus (promtool checks /metrics in the tests)"; fi; }; \
	python3 -c 'import jsonschema' 2>/dev/null || { \
	  echo "installing python jsonschema (contract tests)"; python3 -m pip install -q jsonschema || \
	  { echo "run: python3 -m pip install jsonschema"; exit 1; }; }; \
	python3 -c 'import schemathesis' 2>/dev/null || { \
	  echo "installing python schemathesis (the REST contract test)"; python3 -m pip install -q 'schemathesis>=4,<5' || \
	  { echo "run: python3 -m pip install 'schemathesis>=4,<5'"; exit 1; }; }; \
	python3 -c 'import opentelemetry.proto' 2>/dev/null || { \
	  echo "installing python opentelemetry-proto (checks exported spans)"; python3 -m pip install -q opentelemetry-proto || \
	  { echo "run: python3 -m pip install opentelemetry-proto"; exit 1; }; }

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# Starts Baton on embedded defaults: an in-process Kafka-protocol broker, a SQLite file under
# ./var, the REST API on 127.0.0.1:8080, the example workflows and an example worker.
run: build
	@mkdir -p var
	$(BIN) dev --store var/baton.sqlite --examples schemas/examples --example-worker

# Bounded: a hung test fails the run after 30 minutes instead of holding CI until its limit.
# SwiftPM starts the test runner in a process group of its own, so a timeout can leave it behind;
# every process this run starts carries BATON_TEST_RUN=<token> in its environment, and exactly
# those are ended afterwards (nobody else's, whatever their name).
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	@run="baton-test-$$$$-$$(date +%s%N)"; \
	  BATON_TEST_RUN="$$run" timeout --kill-after=30s 1800 $(SWIFT) test --skip-build $(BUILD_FLAGS); status=$$?; \
	  for pid in $$(grep -lzx "BATON_TEST_RUN=$$run" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do \
	    echo "ending process $$pid, left behind by the test run"; kill -9 "$$pid" 2>/dev/null; done; \
	  exit $$status

# The retention soak at length (default 5 minutes, BATON_SOAK_SECONDS to change): instances finish
# continuously under a 1-second retention and the SQLite file must stay flat; `make test` runs it
# for 12 seconds.
soak: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	BATON_SOAK_SECONDS=$${BATON_SOAK_SECONDS:-300} $(SWIFT) test --skip-build $(BUILD_FLAGS) --filter underRetentionTheStoreStaysFlat

# Throughput and latency against the embedded broker, with a raw librdkafka forwarder measured in
# the same run as the baseline.
bench: deps
	$(SWIFT) build -c release --product baton $(BUILD_FLAGS)
	$(RELEASE_BIN) bench

# Memory and step rate with 1,000 and then 1,000,000 instances parked on a long wait (several
# minutes: the million start in chunks of 10,000).
bench-waiting: deps
	$(SWIFT) build -c release --product baton $(BUILD_FLAGS)
	$(RELEASE_BIN) bench --waiting 1000,1000000 --sustained-seconds 10

# Rewrites the cron evaluator's outside-oracle fixture from croniter (PyPI); the tests read the
# committed file, so CI needs neither the network nor croniter.
cron-oracle:
	@python3 -c 'import croniter' 2>/dev/null || python3 -m pip install -q croniter || { echo "run: python3 -m pip install croniter"; exit 1; }
	python3 .ci/oracles/croniter-fixtures.py > Tests/BatonCronTests/Fixtures/croniter.json

clean:
	rm -rf .build var
