"""Checks on the source itself: defects no behaviour test would notice until the wrong definition is used."""
import ast
from collections import Counter
from pathlib import Path

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
