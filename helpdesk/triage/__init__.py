"""Jurists' triage: pure deadline and pseudonymisation modules, and the service-level, routing, canned-answer,
tag, merge, FAQ-promotion, satisfaction and filing-on-behalf features built on them.

The blueprint's routes and the event subscribers are imported by the app factory, so that the pure modules
stay importable without Flask machinery.
"""
from flask import Blueprint

bp = Blueprint("triage", __name__)
