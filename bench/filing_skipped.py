"""The served helpdesk with its filing service replaced by a no-op (benchmarks only: `filing_skipped:app`).

Every submission goes through the whole request (session, Flask-Login's user,
CSRF and form checks, theme list, locale, rate limit, flash and redirect) but
files nothing: what the helpdesk's request costs around the filing itself, to
compare with bench/floor_app.py and the bare insert under the same load.
"""
import types

from wsgi import app  # first: the app factory imports the blueprints that the services module needs

from helpdesk.tickets import services  # noqa: E402

FILED = types.SimpleNamespace(reference="Q-2026-00001")
services.file_question = lambda *args, **kwargs: FILED
