"""The direction of imports is part of the design: each feature of `widget/` imports
`widget.platform`, the libraries below (`tracker`, `engine`, `billing`), or what another
feature names in its `__init__.py`; nothing below imports what stands above it."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `app.py` and `consumers.py` compose the features; the command line runs them.
COMPOSITION = {"app", "consumers", "__main__"}
LOWER = {"tracker": set(), "engine": {"tracker"}, "billing": {"tracker"}}


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def feature_of(path: Path) -> str:
    """The feature package of a module, or the module's own name at the top of `widget/`."""
    return path.relative_to(ROOT / "widget").with_suffix("").parts[0]


def public_names(feature: str) -> set[str]:
    return set(getattr(importlib.import_module(f"widget.{feature}"), "__all__", ()))


def reaches_in(own: str, module: str) -> bool:
    """Whether `module` is another feature's private module."""
    parts = module.split(".")
    if parts[0] != "widget" or len(parts) < 3 or parts[1] in {own, "platform"}:
        return False
    if parts[1] in COMPOSITION:
        return own not in COMPOSITION | {"cli"}
    return parts[2] not in public_names(parts[1])


def widget_modules() -> list[Path]:
    return sorted((ROOT / "widget").rglob("*.py"))


@pytest.mark.parametrize("path", widget_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_features_use_only_each_others_public_surface(path: Path) -> None:
    own = feature_of(path)
    assert [m for m in imports(path) if reaches_in(own, m)] == []


def test_the_platform_imports_no_feature() -> None:
    for path in (ROOT / "widget" / "platform").glob("*.py"):
        found = {m for m in imports(path) if m.startswith("widget.")}
        assert all(m.startswith("widget.platform") for m in found), path


@pytest.mark.parametrize("package", sorted(LOWER))
def test_the_libraries_import_nothing_above_them(package: str) -> None:
    allowed = {package, *LOWER[package]}
    above = {"tracker", "engine", "billing", "widget"} - allowed
    for path in (ROOT / package).rglob("*.py"):
        assert not {m for m in imports(path) if m.split(".")[0] in above}, path
