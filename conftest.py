"""``pytest --core``: run only what needs the core set (NumPy, pytest, hypothesis) — ``make test-core``.

A test file or a doctested module is a core one when every package it imports at module level is the standard
library, NumPy, pytest, hypothesis or glassnet itself; the others are not collected. A test inside a core file that
needs a peer anyway (a lazy import) is marked ``@pytest.mark.peers`` and is deselected. ``make test`` (CI) runs
everything, peers included.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

CORE_PACKAGES = {"numpy", "pytest", "hypothesis", "glassnet", "_pytest"}
#: glassnet modules whose doctests import a peer lazily (the module itself imports with the core set).
PEER_DOCTESTS = {"tables.py"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--core", action="store_true", help="run only the tests that need nothing beyond the core set")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "peers: needs a package outside the core set (deselected by --core)")
    if config.getoption("--core"):
        config.option.markexpr = "not peers" if not config.option.markexpr else \
            f"({config.option.markexpr}) and not peers"


def _top_level_imports(path: Path, full: bool = False) -> set[str]:
    """The packages a module imports at module level (``full``: the whole dotted module names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    # Module level only (try/if blocks included): imports inside functions are lazy and may never run.
    for node in ast.walk(ast.Module(body=tree.body, type_ignores=[])):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name if full else alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module if full else node.module.split(".")[0])
    return names


def needs_peers(path: Path) -> bool:
    """Whether the file at ``path`` needs anything beyond the standard library and the core set: a glassnet module
    when importing it fails (it may import a peer through another glassnet module), a test file when it imports a
    peer at module level."""
    parts = path.with_suffix("").parts
    if "src" in parts and "glassnet" in parts:
        name = ".".join(parts[parts.index("glassnet"):]).removesuffix(".__init__")
        try:
            importlib.import_module(name)
        except ImportError:
            return True
        return False
    if _top_level_imports(path) - CORE_PACKAGES - set(sys.stdlib_module_names):
        return True
    # A glassnet module it imports may need a peer itself (glassnet.compiled needs numba).
    for module in _top_level_imports(path, full=True):
        if module.startswith("glassnet."):
            try:
                importlib.import_module(module)
            except ImportError:
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.path.name in PEER_DOCTESTS:
            item.add_marker(pytest.mark.peers)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not config.getoption("--core") or collection_path.suffix != ".py" or \
            collection_path.name in ("conftest.py", "__main__.py"):
        return None
    return True if needs_peers(collection_path) else None
