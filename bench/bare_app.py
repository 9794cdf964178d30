"""The stack's ceiling: a bare Flask + Flask-SQLAlchemy app whose one endpoint inserts one row.

Served by the same gunicorn.conf.py as the helpdesk (`bare_app:app`), on the
same PostgreSQL server, so the ratio between the two measures what the
helpdesk adds (sessions, authentication, CSRF, validation, event log,
index change log and sync) on top of Flask, SQLAlchemy and a commit.
BARE_DATABASE_URL names the database; `create_schema` makes its table.
"""
import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the bare app."""


db = SQLAlchemy(model_class=Base)


class BenchRow(db.Model):
    """One inserted row."""

    __tablename__ = "bench_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(String(200))


def create_app(url: str) -> Flask:
    """The bare app on `url`."""
    bare = Flask(__name__)
    bare.config["SQLALCHEMY_DATABASE_URI"] = url
    bare.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(bare)

    @bare.post("/rows")
    def insert_row():
        """Insert one row and commit."""
        row = BenchRow(payload=request.form.get("payload", "")[:200])
        db.session.add(row)
        db.session.commit()
        return {"id": row.id}, 201

    @bare.get("/")
    def ready():
        """Readiness probe."""
        return "ok"

    return bare


def create_schema(url: str) -> None:
    """Create the bare table (once, before the workers start)."""
    with create_app(url).app_context():
        db.create_all()


def count_rows(url: str) -> int:
    """How many rows the bare table holds."""
    with create_app(url).app_context():
        return db.session.query(BenchRow).count()


app = create_app(os.environ["BARE_DATABASE_URL"]) if "BARE_DATABASE_URL" in os.environ else None
