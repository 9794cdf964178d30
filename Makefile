# Entry points: `make run` (demo on SQLite), `make test`, `make serve` (production: gunicorn + PostgreSQL).
VENV ?= .venv
PYTHON ?= python3
FLASK = $(VENV)/bin/flask --app helpdesk
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve test test-sqlite test-postgres bench-ci translations clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Links in mails point at this server, replies by email go to a signed address at questions@demo.local, and the login
# page names juridique@demo.local as the federation's contact (each unless set in the environment); mail left unsent
# by a previous run is sent before the server starts, then a sender beside the server sends within 2 s what a request
# could not (the development server skips the send after a response whose browser reset the connection).
run: export HELPDESK_BASE_URL ?= http://$(HOST):$(PORT)
run: export HELPDESK_MAIL_REPLY_TO ?= questions@demo.local
run: export HELPDESK_CONTACT_EMAIL ?= juridique@demo.local
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) kb sync
	$(FLASK) mail send-pending
	@echo "Helpdesk juridique : http://$(HOST):$(PORT)/"
	$(FLASK) mail send-pending --loop --interval 2 > /dev/null & mailer=$$!; trap 'kill $$mailer 2>/dev/null' EXIT INT TERM; \
	  HELPDESK_SESSION_COOKIE_SECURE=false HELPDESK_HSTS_ENABLED=false HELPDESK_EMAIL_ALLOW_SPECIAL_DOMAINS=true \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# Production on this machine: migrations, this machine's indexer (it applies every index change, so
# requests do not sync themselves), the mail sender (every 2 s, so workers do not send mail
# themselves) and the flash info fan-out in the background, gunicorn in front.
# HELPDESK_SQLALCHEMY_DATABASE_URI must name the PostgreSQL database and HELPDESK_SECRET_KEY (or instance/config.py)
# the key shared by every machine: each command runs the production app, which refuses to start without one.
# GUNICORN_* tune gunicorn.conf.py.
serve: FLASK = $(VENV)/bin/flask --app 'helpdesk:create_app(production=True)'
serve: install
	@case "$$HELPDESK_SQLALCHEMY_DATABASE_URI" in postgresql*) ;; \
	  *) echo "make serve : définissez HELPDESK_SQLALCHEMY_DATABASE_URI=postgresql+psycopg://utilisateur@hôte/base"; exit 2;; esac
	$(FLASK) db upgrade
	$(FLASK) kb sync
	$(FLASK) kb sync --loop & indexer=$$!; $(FLASK) mail send-pending --loop --interval 2 & mailer=$$!; \
	  $(FLASK) flash send --loop & flasher=$$!; \
	  trap 'kill $$indexer $$mailer $$flasher 2>/dev/null' EXIT INT TERM; \
	  HELPDESK_SEARCH_SYNC_AFTER_REQUEST=$${HELPDESK_SEARCH_SYNC_AFTER_REQUEST:-false} \
	  HELPDESK_MAIL_SEND_AFTER_REQUEST=$${HELPDESK_MAIL_SEND_AFTER_REQUEST:-false} \
	  $(VENV)/bin/gunicorn -c gunicorn.conf.py

# SQLite and PostgreSQL runs go side by side (one per core).
test: install
	@$(MAKE) --no-print-directory -j2 test-sqlite test-postgres

test-sqlite:
	TEST_DATABASE_URL= $(VENV)/bin/python -m pytest --cov=helpdesk --cov-report=term:skip-covered

test-postgres:
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo "== PostgreSQL run: $(TEST_DATABASE_URL)"; \
		$(VENV)/bin/python -m pytest -q --ignore=tests/browser; \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

# After changing marked strings: extract, update fr (= msgids) and en, compile. Translate the new English
# entries in translations/en/LC_MESSAGES/messages.po, then run it again. The .mo files are committed.
translations: install
	$(VENV)/bin/python translations/catalogues.py
# Short fault run against PostgreSQL (loopback, throwaway database): fails on a lost or duplicated record.
bench-ci: install
	BENCH_DATABASE_URL="$(TEST_DATABASE_URL)" timeout 170 $(VENV)/bin/python bench/faults.py --short

clean:
	rm -rf $(VENV) .pytest_cache .coverage
