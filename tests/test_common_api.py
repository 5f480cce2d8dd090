"""Nothing in `common` is orphaned, and each lesson helper says where it comes from (d2l's
``#@save``): checked by reading the source, nothing imported.

* Every public function and class of `common` has a user: a notebook (or exercise edition)
  that calls it or names it as the tested twin of its own version (``common.boxes.paired_iou``
  in its text), or another part of `common` that calls it. Tests alone don't count.
* Every public function and class of the lesson modules (:data:`LESSON_MODULES`, what the
  notebooks import to learn with) names in its docstring the notebook that teaches it, a
  line ``Taught in: <notebook>.`` or ``Used by: <notebook or common module>, ...``; each one
  named must really use it.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path

import pytest

from common.notebooks import find_notebooks
from tests.conftest import ROOT

COMMON = ROOT / "common"
LESSON_MODULES = (
    "boxes",
    "data",
    "detection",
    "hub_models",
    "interpret",
    "labelling",
    "layers",
    "losses",
    "metrics",
    "models",
    "strategy",
    "training",
    "viz",
)
DATA_MODULES = ("generate", "photos", "registry")  # common.data's re-exported lesson API
ORIGIN = re.compile(r"^\s*(Taught in|Used by):\s*(.+)$", re.MULTILINE)
NOTEBOOK_NAME = re.compile(r"\bC\d_W\d_\w+")
MODULE_NAME = re.compile(r"\bcommon(?:\.\w+)+")
DOTTED = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
IMPORT = re.compile(r"from common(?:\.\w+)* import ([^\n]+)")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(COMMON.rglob("*.py"))
    }


@functools.cache
def _data_exports() -> frozenset[str]:
    tree = _modules()["common.data"]
    return frozenset(
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("common.data.")
        for alias in node.names
    )


def _public(module: str):
    """(name, node) of the public top-level functions and classes of ``module``."""
    if module.endswith("__main__"):
        return
    for node in _modules()[module].body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            yield node.name, node


def _short(module: str, name: str) -> set[str]:
    """How notebooks and other modules spell ``module``'s ``name``: ``boxes.iou``, and
    ``data.load`` for what common.data re-exports."""
    spelled = {module.split(".")[-1], module}
    if module.startswith("common.data.") and name in _data_exports():
        spelled |= {"data", "common.data"}
    return spelled


@functools.cache
def _notebook_index() -> tuple[dict, dict]:
    """What the notebooks mention: ``{"boxes.iou": {stems}}`` for every dotted name in their
    code and text (``common.boxes.iou`` counts as ``boxes.iou`` too), and ``{name: {stems}}``
    for the names they import from common."""
    dotted, imported = {}, {}
    exercise_editions = sorted(ROOT.glob("course*/week*/exercises/*.ipynb"))
    for path in [*find_notebooks(ROOT), *exercise_editions]:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells)
        for chain in DOTTED.findall(text):
            parts = chain.split(".")
            for i in range(len(parts) - 1):
                dotted.setdefault(".".join(parts[i:]), set()).add(path.stem)
        for names in IMPORT.findall(text):
            for name in re.findall(r"\w+", names):
                imported.setdefault(name, set()).add(path.stem)
    return dotted, imported


def notebooks_using(module: str, name: str) -> list[str]:
    """Notebooks that call ``name`` of ``module`` or name it (as their version's twin)."""
    dotted, imported = _notebook_index()
    stems = set(imported.get(name, ()))
    for spelled in _short(module, name):
        stems |= dotted.get(f"{spelled}.{name}", set())
    return sorted(stems)


@functools.cache
def _code_index() -> dict[tuple, set[tuple[str, str | None]]]:
    """Every reference in common's code, ``{key: {(module, enclosing top-level name)}}``:
    ``("name", id)``, ``("attr", "boxes.iou")``, ``("import", "common.boxes", "iou")``
    and ``("main",)`` for ``if __name__ == "__main__"``."""
    index = {}
    for module, tree in _modules().items():
        for top in tree.body:
            owner = getattr(top, "name", None)
            for node in ast.walk(top):
                keys = []
                if isinstance(node, ast.Name):
                    keys.append(("name", node.id))
                elif isinstance(node, ast.Attribute):
                    base = ast.unparse(node.value) if _is_dotted(node.value) else None
                    if base:
                        keys.append(("attr", f"{base}.{node.attr}"))
                elif isinstance(node, ast.ImportFrom) and module not in ("common", "common.data"):
                    keys += [("import", node.module, alias.name) for alias in node.names]
                elif isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
                    keys.append(("main",))
                for key in keys:
                    index.setdefault(key, set()).add((module, owner))
    return index


def _is_dotted(node) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def common_users(module: str, name: str) -> set[str]:
    """The modules of `common` whose code uses ``name`` of ``module`` (the module itself
    included, outside the definition; re-exports in ``__init__`` don't count)."""
    index = _code_index()
    users = {m for m, owner in index.get(("name", name), ()) if m == module and owner != name}
    for spelled in _short(module, name):
        users |= {m for m, _ in index.get(("attr", f"{spelled}.{name}"), ())}
    for source in {module, "common.data"} if module.startswith("common.data.") else {module}:
        users |= {m for m, _ in index.get(("import", source, name), ())}
    if name == "main":
        users |= {m for m, _ in index.get(("main",), ()) if m in (module, f"{module}.__main__")}
    return users


def _everything():
    return [(m, name) for m in _modules() for name, _ in _public(m)]


def _lessons():
    names = []
    for module in _modules():
        short = module.removeprefix("common.")
        if short in LESSON_MODULES or (
            short.startswith("data.") and short.split(".")[1] in DATA_MODULES
        ):
            names.extend(
                (module, name)
                for name, _ in _public(module)
                if not short.startswith("data.") or name in _data_exports()
            )
    return names


@pytest.mark.parametrize("module, name", _everything(), ids=lambda v: v)
def test_nothing_is_orphaned(module, name):
    assert notebooks_using(module, name) or common_users(module, name), (
        f"{module}.{name}: no notebook uses it or names it as its tested twin, and nothing in "
        "common calls it: remove it (with its tests), or use it where a notebook needs it"
    )


@pytest.mark.parametrize("module, name", _lessons(), ids=lambda v: v)
def test_each_lesson_helper_names_where_it_is_taught(module, name):
    node = dict(_public(module))[name]
    doc = ast.get_docstring(node) or ""
    lines = ORIGIN.findall(doc)
    users = notebooks_using(module, name)
    hint = ", ".join(users[:3]) or ", ".join(sorted(common_users(module, name)))
    assert lines, f"{module}.{name}: add a docstring line 'Used by: {hint}.' (or 'Taught in: ...')"
    named = [n for _, text in lines for n in NOTEBOOK_NAME.findall(text)]
    modules = [m for _, text in lines for m in MODULE_NAME.findall(text)]
    assert named or modules, f"{module}.{name}: '{lines[0][1]}' names no notebook or module"
    wrong = [n for n in named if n not in users]
    wrong += [m for m in modules if m not in common_users(module, name)]
    assert not wrong, f"{module}.{name}: its docstring names {wrong}, which don't use it"


def test_the_checks_see_what_they_are_for():
    """The scan finds known uses, and a made-up name has none."""
    assert "C3_W1_Lab_3_object_localization" in notebooks_using("common.boxes", "paired_iou")
    assert "common.metrics" in common_users("common.boxes", "iou")
    assert "common.notebooks" in common_users("common.notebooks", "main")
    assert not notebooks_using("common.boxes", "no_such_name")
    assert not common_users("common.boxes", "no_such_name")
    assert ("common.boxes", "iou") in _lessons() and ("common.env", "pick") not in _lessons()
    assert ("common.data.registry", "load") in _lessons()
