"""The house rules that no linter checks, read from the source with ``ast`` (DESIGN §2, "Layers"; §4, "State").

1. Layers point one way. From the top: ``api.cli`` / ``api.web`` -> ``api.services`` -> ``api.validation`` /
   ``api.store`` / ``api.importers`` -> ``api.formats`` -> ``api.model`` -> ``api.vocab`` / ``api.errors`` /
   ``api.config``. A module may import its own layer and the layers below it, never one above (imports at module
   level and inside functions alike). ``api.model`` is plain data: it imports no web or RDF library.
2. No module-level mutable state: state belongs to the Registry or the app. At module (or class) level this test
   refuses ``global`` statements, empty containers, containers that the code mutates, and calls that make
   something meant to change (``dict()``, ``defaultdict``, ``deque``, ``WeakKeyDictionary``, locks, caches ...).
   Constant tables are fine: an ALL_CAPS name bound once to a literal (or a comprehension, or a ``set``/``dict``
   of arguments) and never mutated anywhere in ``api/``. So are ``functools.cache`` and ``lru_cache`` on
   module-level functions that depend on their arguments only (a pure function remembered, e.g. a parsed ``.rq``
   file); on a method they would keep every ``self`` alive, so they are refused there.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

API = REPO / "api"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("api.cli", "api.cli_backup", "api.web"),
    ("api.services",),
    ("api.validation", "api.store", "api.importers"),
    ("api.formats",),
    ("api.model",),
    ("api.vocab", "api.errors", "api.config"),
)

# Libraries the model must not import: it is plain data, read by every layer above.
WEB_AND_RDF = {"fastapi", "starlette", "uvicorn", "httpx", "jinja2", "pydantic", "pyoxigraph", "rdflib", "pyshacl",
               "lxml", "pysdmx", "sdmx", "SPARQLWrapper", "openpyxl", "typer", "rich"}

# Upward imports that are allowed, each with its reason: (importing module, imported module) -> why.
# Empty: there is none.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

# Calls whose result exists to be changed: a module-level one is shared mutable state.
STATEFUL_CALLS = {
    "OrderedDict", "defaultdict", "deque", "Counter", "ChainMap", "WeakKeyDictionary", "WeakValueDictionary",
    "WeakSet", "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier", "Queue",
    "SimpleQueue", "LifoQueue", "PriorityQueue", "LRUCache", "TTLCache", "LFUCache", "FIFOCache", "RRCache",
    "TLRUCache", "Cache", "bytearray", "ContextVar", "local", "CapacityLimiter",
}
CONTAINER_CALLS = {"dict", "list", "set"}  # empty (no arguments): state; with arguments: a table
MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault", "add",
            "discard", "sort", "reverse", "difference_update", "intersection_update", "symmetric_difference_update",
            "appendleft", "extendleft", "move_to_end"}
CACHES = {"cache", "lru_cache"}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def where(self) -> str:
        return self.path.relative_to(REPO).as_posix()


def _modules() -> list[Module]:
    found = []
    for path in sorted(API.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return found


MODULES = _modules()


def _layer(module: str) -> int | None:
    for index, group in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in group):
            return index
    return None


def _imports(module: Module) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports (relative imports resolved), with its line: module and function level."""
    package = module.name.split(".") if module.path.name == "__init__.py" else module.name.split(".")[:-1]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            yield base, node.lineno
            for alias in node.names:  # ``from api import config``: the module imported is api.config
                if _layer(f"{base}.{alias.name}") is not None and _layer(base) is None:
                    yield f"{base}.{alias.name}", node.lineno


def test_the_layers_are_known() -> None:
    """Every module of api/ is in a layer (but ``api`` itself), so that the rule below sees it."""
    assert [m.name for m in MODULES if _layer(m.name) is None] == ["api"]


def test_no_module_imports_upward() -> None:
    upward = []
    for module in MODULES:
        own = _layer(module.name)
        for imported, line in _imports(module):
            target = _layer(imported)
            if own is not None and target is not None and target < own and (
                    (module.name, imported) not in ALLOWED_UPWARD):
                upward.append(f"{module.where}:{line}: {module.name} imports {imported} (a layer above)")
    assert upward == [], "\n".join(upward)


def test_the_model_imports_no_web_or_rdf_library() -> None:
    found = [f"{m.where}:{line}: {imported}" for m in MODULES if m.name.startswith("api.model")
             for imported, line in _imports(m) if imported.split(".")[0] in WEB_AND_RDF]
    assert found == [], "\n".join(found)


def test_the_upward_allow_list_has_no_stale_entry() -> None:
    present = {(m.name, imported) for m in MODULES for imported, _ in _imports(m)}
    assert [entry for entry in ALLOWED_UPWARD if entry not in present] == []


# --- module-level state --------------------------------------------------------------------------------------


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _is_table_name(name: str) -> bool:
    bare = name.strip("_")
    return bool(bare) and bare.upper() == bare and any(c.isalpha() for c in bare)


def _bindings(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr, int]]:
    """(name, value, line) of each plain assignment in ``body`` (module or class level)."""
    for node in body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value, node.lineno
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            yield node.target.id, node.value, node.lineno


def _outside_lambdas(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and what it holds, but not the bodies of lambdas (a factory runs later, per instance)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.Lambda):
            yield from _outside_lambdas(child)


def _stateful(value: ast.expr) -> str | None:
    """Why ``value`` bound at module level is state, or None if it is a constant (or not a container)."""
    if isinstance(value, ast.Dict | ast.List | ast.Set) and not (
            value.keys if isinstance(value, ast.Dict) else value.elts):
        return "an empty container"
    for node in _outside_lambdas(value):
        name = _call_name(node)
        if name in STATEFUL_CALLS:
            return f"{name}(...)"
        if name in CONTAINER_CALLS and isinstance(node, ast.Call) and not node.args and not node.keywords:
            return f"an empty {name}()"
    return None


def _is_container(value: ast.expr) -> bool:
    return isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp) or (
        _call_name(value) in CONTAINER_CALLS) or (isinstance(value, ast.BinOp) and (
            _is_container(value.left) or _is_container(value.right)))


def _tables() -> dict[str, list[str]]:
    """Module-level names bound to a container, with where each is bound."""
    tables: dict[str, list[str]] = {}
    for module in MODULES:
        for name, value, line in _bindings(module.tree.body):
            if _is_container(value):
                tables.setdefault(name, []).append(f"{module.where}:{line}")
    return tables


def _mutated(node: ast.AST, names: set[str]) -> str | None:
    """The table name ``node`` changes (``T[k] = v``, ``del T[k]``, ``T += x``, ``T.append(x)``, ``m.T.add(x)``)."""

    def named(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name) and expr.id in names:
            return expr.id
        if isinstance(expr, ast.Attribute) and expr.attr in names:
            return expr.attr
        return None

    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        if isinstance(target, ast.Subscript) and named(target.value):
            return named(target.value)
        if isinstance(node, ast.AugAssign) and named(target):
            return named(target)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
        return named(node.func.value)
    return None


def _problems() -> list[str]:
    problems: list[str] = []
    tables = _tables()
    for module in MODULES:
        bodies = [module.tree.body] + [c.body for c in module.tree.body if isinstance(c, ast.ClassDef)]
        bound = [name for name, value, _ in _bindings(module.tree.body) if _is_container(value)]
        problems += [f"{module.where}: {name} is bound more than once" for name in sorted(set(bound))
                     if bound.count(name) > 1]
        for body in bodies:
            for name, value, line in _bindings(body):
                why = _stateful(value)
                if why:
                    problems.append(f"{module.where}:{line}: {name} is {why}")
                elif body is module.tree.body and _is_container(value) and not (
                        _is_table_name(name) or (name.startswith("__") and name.endswith("__"))):
                    problems.append(f"{module.where}:{line}: {name} is a container under a name that is not "
                                    "a constant's (ALL_CAPS)")
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Global):
                problems.append(f"{module.where}:{node.lineno}: global {', '.join(node.names)}")
            changed = _mutated(node, set(tables))
            if changed:
                problems.append(f"{module.where}:{node.lineno}: changes the module-level {changed} "
                                f"(bound at {', '.join(tables[changed])})")
        problems += _cached_methods(module)
    return problems


def _cached_methods(module: Module) -> list[str]:
    """``@cache`` / ``@lru_cache`` on methods: the cache holds every ``self`` it saw."""
    found = []
    for cls in (c for c in ast.walk(module.tree) if isinstance(c, ast.ClassDef)):
        for method in (f for f in cls.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)):
            for decorator in method.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = call.id if isinstance(call, ast.Name) else call.attr if isinstance(call, ast.Attribute) else ""
                if name in CACHES:
                    found.append(f"{module.where}:{method.lineno}: @{name} on the method {cls.name}.{method.name} "
                                 "keeps every instance alive")
    return found


def test_no_module_holds_mutable_state() -> None:
    problems = _problems()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("source", "says"), [
    ("SEEN = {}\n", "SEEN is an empty container"),
    ("_cache: dict[str, int] = dict()\n", "_cache is an empty dict()"),
    ("import threading\nLOCK = threading.Lock()\n", "LOCK is Lock(...)"),
    ("from cachetools import LRUCache\nVIEWS = LRUCache(maxsize=8)\n", "VIEWS is LRUCache(...)"),
    ("import weakref\nBY_REGISTRY = weakref.WeakKeyDictionary()\n", "BY_REGISTRY is WeakKeyDictionary(...)"),
    ("from collections import defaultdict\nCOUNTS = defaultdict(int)\n", "COUNTS is defaultdict(...)"),
    ("TABLE = {'a': 1}\ndef f() -> None:\n    TABLE['b'] = 2\n", "changes the module-level TABLE"),
    ("SEEN = {1}\ndef f(x: int) -> None:\n    SEEN.add(x)\n", "changes the module-level SEEN"),
    ("pools = {'a': 1}\n", "pools is a container under a name that is not a constant's"),
    ("N = 0\ndef f() -> None:\n    global N\n    N += 1\n", "global N"),
    ("import functools\nclass A:\n    @functools.cache\n    def f(self) -> int:\n        return 1\n",
     "@cache on the method A.f"),
    ("class A:\n    seen: list[int] = list()\n", "seen is an empty list()"),
    ("KINDS = {'a': 1}\nKINDS = {'b': 2}\n", "KINDS is bound more than once"),
])
def test_the_state_check_finds_each_kind(source: str, says: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: each kind of state, in a module of its own, is reported."""
    module = Module("api.services.example", API / "services" / "example.py", ast.parse(source))
    monkeypatch.setattr(sys.modules[__name__], "MODULES", [module])
    found = _problems()
    assert len(found) == 1 and says in found[0], found


def test_constant_tables_and_pure_caches_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ("import functools\nKINDS = {'a': 1}\n_CODED = set(KINDS) | {'b'}\n__all__ = ['f']\n"
              "ORDER = [k for k in KINDS]\n@functools.cache\ndef f(name: str) -> str:\n    return name * 2\n"
              "def g() -> dict[str, int]:\n    local = dict(KINDS)\n    local['c'] = 3\n    return local\n")
    module = Module("api.services.example", API / "services" / "example.py", ast.parse(source))
    monkeypatch.setattr(sys.modules[__name__], "MODULES", [module])
    assert _problems() == []


@pytest.mark.parametrize(("name", "source", "imported"), [
    ("api.model.example", "from api.formats import media\n", "api.formats"),
    ("api.model.example", "def f() -> None:\n    from api.services.registry import Registry\n",
     "api.services.registry"),
    ("api.formats.example", "from api import services\n", "api.services"),
    ("api.store.example", "from ..web import app\n", "api.web"),
])
def test_the_layer_check_finds_upward_imports(name: str, source: str, imported: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = API.joinpath(*name.split(".")[1:]).with_suffix(".py")
    module = Module(name, path, ast.parse(source))
    monkeypatch.setattr(sys.modules[__name__], "MODULES", [module])
    with pytest.raises(AssertionError, match=imported.replace(".", r"\.")):
        test_no_module_imports_upward()


def test_the_model_check_finds_a_library(monkeypatch: pytest.MonkeyPatch) -> None:
    module = Module("api.model.example", API / "model" / "example.py", ast.parse("import pyoxigraph\n"))
    monkeypatch.setattr(sys.modules[__name__], "MODULES", [module])
    with pytest.raises(AssertionError, match="pyoxigraph"):
        test_the_model_imports_no_web_or_rdf_library()
