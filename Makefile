# Two entry points: `make run` (demo on SQLite) and `make test`.
VENV ?= .venv
PYTHON ?= python3
FLASK = $(VENV)/bin/flask --app helpdesk
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-sqlite test-postgres clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) kb sync
	@echo "Helpdesk juridique : http://$(HOST):$(PORT)/"
	HELPDESK_SESSION_COOKIE_SECURE=false $(FLASK) run --host $(HOST) --port $(PORT)

test: install test-sqlite test-postgres

test-sqlite:
	TEST_DATABASE_URL= $(VENV)/bin/python -m pytest --cov=helpdesk --cov-report=term:skip-covered

test-postgres:
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo "== PostgreSQL run: $(TEST_DATABASE_URL)"; \
		$(VENV)/bin/python -m pytest -q; \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

clean:
	rm -rf $(VENV) .pytest_cache .coverage
