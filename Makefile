# Set-up, run and test commands. Everything installs into .venv; Debian packages with apt-get.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint format bench clean translations messages system-deps lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The exact versions that were tested (requirements.lock, made by `make lock`), then the project.
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Resolve pyproject.toml's dependencies (with the test and redis extras) afresh into the lock file.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet '.[test,redis]'
	{ echo "# The versions make installs: regenerate with make lock after changing pyproject.toml."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^registre'; } > $(LOCK)
	rm -rf .lock-venv build

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d compliance/translations -D messages >/dev/null

# Re-extract the French source strings and merge them into each catalogue (then translate the
# new entries in compliance/translations/<lang>/LC_MESSAGES/messages.po).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --project Registre \
	  --ignore-dirs '.* __pycache__ instance' -o compliance/translations/messages.pot .
	$(BIN)/pybabel update -i compliance/translations/messages.pot -d compliance/translations \
	  -D messages --no-fuzzy-matching --ignore-obsolete

install: $(STAMP) translations

# Chromium for the browser tests, LibreOffice (Writer, headless) for the PDF copies of the Word
# documents and poppler's pdftotext for the tests that read them: from Debian's packages, each
# when it is missing.
APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
define apt_get
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && $(APT_INSTALL) $(1) >/dev/null; \
	else sudo apt-get update -qq && sudo $(APT_INSTALL) $(1) >/dev/null; fi
endef

system-deps:
	@command -v chromium >/dev/null 2>&1 || { $(call apt_get,chromium); }
	@command -v soffice >/dev/null 2>&1 || { $(call apt_get,libreoffice-writer-nogui); }
	@command -v pdftotext >/dev/null 2>&1 || { $(call apt_get,poppler-utils); }

# The demo serves plain HTTP on the loopback, so its session cookie cannot be Secure-only.
run: install
	$(BIN)/compliance init
	$(BIN)/compliance demo
	COMPLIANCE_SECURE_COOKIES=$${COMPLIANCE_SECURE_COOKIES:-0} $(BIN)/compliance serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache
