"""Checks on the source itself: defects no behaviour test would notice until the wrong definition is used."""
import ast
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import helpdesk

PACKAGE = Path(helpdesk.__file__).resolve().parent


def _top_level_names(tree: ast.Module) -> list[str]:
    """Names a module binds at its top level by def, class or plain assignment."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def test_no_module_defines_a_function_class_or_setting_twice():
    repeated = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        counts = Counter(_top_level_names(ast.parse(path.read_text(encoding="utf-8"))))
        twice = sorted(name for name, count in counts.items() if count > 1)
        if twice:
            repeated[str(path.relative_to(PACKAGE.parent))] = twice
    assert repeated == {}, "a later definition silently replaces the earlier one"


def _form_classes() -> list[type]:
    """Every form class the package defines (each area's forms module imported)."""
    import importlib

    from flask_wtf import FlaskForm
    for path in sorted(PACKAGE.rglob("forms.py")):
        importlib.import_module(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
    classes, pending = [], [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            classes.append(subclass)
            pending.append(subclass)
    return [cls for cls in classes if cls.__module__.startswith("helpdesk.")]


def test_no_form_field_uses_choices_wtforms_deprecates():
    """Building each field of each form raises no DeprecationWarning (choices as plain tuples do in WTForms 3.3)."""
    import warnings

    from wtforms.fields.core import UnboundField
    from wtforms.meta import DefaultMeta
    classes = _form_classes()
    assert len(classes) > 20
    for cls in classes:
        for name in dir(cls):
            unbound = getattr(cls, name)
            if isinstance(unbound, UnboundField):
                with warnings.catch_warnings():
                    warnings.simplefilter("error", DeprecationWarning)
                    unbound.bind(form=None, name=name, _meta=DefaultMeta())


def test_every_length_limit_of_a_form_says_the_typed_length():
    """A text field limited with WTForms' own Length said « 120 caractères au maximum. » at best, never how long the
    text was: every limit goes through AtMost or AtLeast, which say both numbers."""
    from wtforms.fields.core import UnboundField
    from wtforms.validators import Length

    from helpdesk.main.forms import AtLeast, AtMost
    limited = []
    for cls in _form_classes():
        for name in dir(cls):
            unbound = getattr(cls, name)
            if isinstance(unbound, UnboundField):
                for validator in unbound.kwargs.get("validators") or ():
                    if isinstance(validator, Length):
                        limited.append((cls.__name__, name, type(validator)))
    assert len(limited) > 40
    assert [entry for entry in limited if entry[2] not in (AtMost, AtLeast)] == []


@pytest.mark.parametrize("module", ["wsgi", "helpdesk", "helpdesk.ops.logs", "helpdesk.kb", "helpdesk.audit",
                                    "helpdesk.main", "helpdesk.attachments", "helpdesk.api", "helpdesk.admin"])
def test_entry_points_import_first_in_a_fresh_interpreter(module):
    """gunicorn loads its logger class (helpdesk.ops.logs) before the app: an import cycle that only shows when a
    module is imported first stopped every worker from starting, while the tests, importing in another order,
    passed. wsgi.py, production, needs a configured secret key."""
    environment = {**os.environ, "HELPDESK_SECRET_KEY": "0123456789abcdef" * 4}
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=PACKAGE.parent, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
