"""The notebook conventions of CONTRIBUTING.md ("Adding a notebook"), one named check each,
in the manner of tensorflow/docs' nblint: a check's failure message is the rule it checks.

Command line (what ``make conventions`` runs first in CI; a second or two, no TensorFlow)::

    python -m tests.nblint [PATH ...]     # every course notebook by default
    python -m tests.nblint --list         # the checks and their rules

prints one line per violation, ``path: check-name: rule [cell N: what was found]`` (N is
the 0-based index of the cell in the notebook: 0 the title, 1 the setup cell, 2 the settings
cell), and exits non-zero if there was any. tests/test_notebook_conventions.py runs every
check on every notebook as its own test.
"""

from __future__ import annotations

import argparse
import ast
import base64
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from common.notebooks import (
    KERNEL,
    ROOT,
    SETTINGS_CELL,
    SETUP_CELL,
    colab_link,
    find_notebooks,
)

NAME = re.compile(r"C(\d)_W(\d)_(Lab_\d+|Assignment)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb")
COURSE = re.compile(r"course(\d)_[a-z0-9_]+")
WEEK = re.compile(r"week(\d)_[a-z0-9_]+")
CELL_METADATA = {"tags", "nbgrader"}  # nbgrader: the graded notebooks' cell ids and points
MAX_IMAGE_BYTES = 80_000
MAX_CODE_LINES = 300
QUIET = (0, 2)  # the verbose values that print at most one line per epoch
TRAINING_CALLS = {"fit", "evaluate", "predict"}
# Downloads that bypass common.sources (its fail-fast offline check, atomic writes, and the
# dry run's fakes): calls by dotted name, and modules that fetch from the network.
DOWNLOAD_CALLS = {
    "tfds.load",
    "tfds.builder",
    "tfds.data_source",
    "keras.utils.get_file",
    "tf.keras.utils.get_file",
    "utils.get_file",
    "get_file",
    "hub.load",
    "hub.KerasLayer",
    "hub.resolve",
    "tensorflow_hub.load",
    "tensorflow_hub.KerasLayer",
    "keras_hub.models.RetinaNetObjectDetector.from_preset",
}
DOWNLOAD_MODULES = {"urllib", "urllib.request", "requests", "http.client", "wget", "gdown"}
SHELL_DOWNLOAD = re.compile(r"^\s*!.*\b(wget|curl|gdown|gsutil)\b")
NOT_DRAWING = {"show", "close", "rcParams", "get_cmap", "colormaps", "style"}
VIZ_DRAWING = {
    "plot_history",
    "show_images",
    "plot_model",
    "draw_boxes",
    "compare_boxes",
    "overlay_heatmap",
    "overlay_mask",
}


@dataclass
class Cell:
    """One cell of a notebook: its index, type, source, outputs and (code) syntax tree."""

    index: int
    kind: str
    source: str
    outputs: list
    execution_count: int | None
    metadata: dict

    @functools.cached_property
    def tree(self) -> ast.Module:
        """The cell's code as Python (IPython magics and shell lines read as ``pass``; a
        ``%%`` cell magic's body, such as a ``%%writefile`` script, as the code it is)."""
        lines = self.source.splitlines()
        if lines and lines[0].startswith("%%"):
            lines = lines[1:]
        code = "\n".join(
            re.sub(r"^(\s*)[%!].*", r"\1pass", line) if line.lstrip()[:1] in "%!" else line
            for line in lines
        )
        try:
            return ast.parse(code)
        except SyntaxError:
            return ast.Module(body=[], type_ignores=[])

    @property
    def text_output(self) -> str:
        return "".join("".join(o.get("text", "")) for o in self.outputs)


class Notebook:
    """A notebook read once for every check: ``path``, ``rel`` (from the repository root),
    ``json`` and ``cells``."""

    def __init__(self, path: Path, root: Path = ROOT):
        self.path = Path(path)
        self.root = Path(root)
        self.rel = self.path.resolve().relative_to(self.root.resolve())
        self.text = self.path.read_text(encoding="utf-8")
        self.json = json.loads(self.text)
        self.cells = [
            Cell(
                i,
                c["cell_type"],
                "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
                c.get("outputs", []),
                c.get("execution_count"),
                c.get("metadata", {}),
            )
            for i, c in enumerate(self.json["cells"])
        ]

    @property
    def code(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "code"]

    @property
    def settings(self) -> Cell | None:
        cells = self.cells
        return cells[SETTINGS_CELL] if len(cells) > SETTINGS_CELL else None

    @property
    def after_settings(self) -> list[Cell]:
        return [c for c in self.code if c.index > SETTINGS_CELL]


Finding = tuple[int | None, str]  # (cell index or None for the whole notebook, what was found)


@dataclass(frozen=True)
class Check:
    name: str
    rule: str
    run: Callable[[Notebook], Iterator[Finding]]


CHECKS: list[Check] = []


def check(name: str, rule: str):
    """Register ``fn(notebook) -> iterator of (cell, found)`` as the check ``name``."""

    def register(fn):
        CHECKS.append(Check(name, rule, fn))
        return fn

    return register


def dotted(node) -> str:
    """``a.b.c`` for a Name/Attribute chain, else ""."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def calls(tree) -> Iterator[ast.Call]:
    return (n for n in ast.walk(tree) if isinstance(n, ast.Call))


def top_level_calls(tree) -> Iterator[ast.Call]:
    """Calls in a cell's own code, not inside the functions and classes it defines."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def is_pick(node) -> bool:
    return isinstance(node, ast.Call) and dotted(node.func) in {"env.pick", "common.env.pick"}


def assigned_names(tree) -> Iterator[tuple[str, ast.stmt]]:
    """The names a cell binds at its top level (``X = ...``, ``X: int = ...``, ``X += ...``)."""
    for stmt in tree.body:
        targets = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
            targets = [stmt.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    yield node.id, stmt


def line(node) -> str:
    return f"line {node.lineno}: {ast.unparse(node)[:80]}"


# --- 1. name and place --------------------------------------------------------------------


@check(
    "file-name",
    "Name it C{c}_W{w}_Lab_{k}_{snake_name}.ipynb (or C{c}_W{w}_Assignment_{snake_name}.ipynb) "
    "in its week's folder, course{c}_<topic>/week{w}_<topic>/.",
)
def _file_name(nb):
    parts = nb.rel.parts
    if len(parts) != 3:
        yield None, f"{nb.rel} is not course*/week*/<name>.ipynb"
        return
    course, week, name = parts
    m = NAME.fullmatch(name)
    if not m:
        yield None, f"{name}"
        return
    c, w = COURSE.fullmatch(course), WEEK.fullmatch(week)
    if not (c and c.group(1) == m.group(1) and w and w.group(1) == m.group(2)):
        yield None, f"{course}/{week} does not match C{m.group(1)}_W{m.group(2)}"


# --- 2. the first three cells -------------------------------------------------------------


@check("title-cell", "Cell 0 is markdown: a '# Title', then what you will learn.")
def _title_cell(nb):
    first = nb.cells[0] if nb.cells else None
    if not (first and first.kind == "markdown" and first.source.startswith("# ")):
        yield 0, "no '# Title' markdown cell"
    elif len(first.source.split("\n\n")) < 2:
        yield 0, "a title only"


@check(
    "setup-cell",
    "Cell 1 is the setup cell, word for word: run `python -m common.notebooks sync`.",
)
def _setup_cell(nb):
    if len(nb.cells) < 2 or nb.cells[1].kind != "code" or nb.cells[1].source != SETUP_CELL:
        yield 1, "differs from common.notebooks.SETUP_CELL"


@check(
    "settings-cell",
    "Cell 2 holds the imports and settings: `from common import ...`, the settings, "
    "`env.seed_everything(...)` and `print(env.describe())`.",
)
def _settings_cell(nb):
    cell = nb.settings
    if cell is None or cell.kind != "code":
        yield SETTINGS_CELL, "not a code cell"
        return
    for needed in ("from common import", "env.seed_everything(", "print(env.describe())"):
        if needed not in cell.source:
            yield SETTINGS_CELL, f"no `{needed}`"


@check(
    "settings-in-settings-cell",
    "Settings live in the settings cell (cell 2): `env.pick(...)` is called there only, and "
    "an UPPER_CASE setting made there is not set again in another cell (each setting once, "
    "where the dry run caps it); an exercise that asks the learner for a setting sets it in "
    "its solution cell.",
)
def _settings_in_settings_cell(nb):
    cell = nb.settings
    settings = {name for name, _ in assigned_names(cell.tree)} if cell else set()
    for other in nb.after_settings:
        if "### BEGIN SOLUTION" in other.source:
            continue
        for call in calls(other.tree):
            if is_pick(call):
                yield other.index, line(call)
        for name, stmt in assigned_names(other.tree):
            if name in settings and name.isupper():
                yield other.index, f"{name} set again: {line(stmt)}"


@check(
    "bars-are-settings",
    "Bars are settings: a threshold of `env.check_bar(...)` is a name set in the settings cell "
    "(`at_least=BAR`, with the course's result cited there), not a number or a pick written "
    "in the check cell.",
)
def _bars_are_settings(nb):
    for cell in nb.after_settings:
        for call in calls(cell.tree):
            if dotted(call.func) not in {"env.check_bar", "check_bar"}:
                continue
            for kw in call.keywords:
                if kw.arg in {"at_least", "at_most", "above", "below"} and any(
                    isinstance(n, ast.Constant) and isinstance(n.value, int | float) or is_pick(n)
                    for n in ast.walk(kw.value)
                ):
                    yield cell.index, f"line {kw.value.lineno}: {kw.arg}={ast.unparse(kw.value)}"


@check(
    "picks-differ",
    "`env.pick(full=..., smoke=...)` is for a setting that differs between the modes; one "
    "that is the same in both is a plain constant.",
)
def _picks_differ(nb):
    for cell in nb.code:
        for call in calls(cell.tree):
            if not is_pick(call):
                continue
            given = {kw.arg: ast.dump(kw.value) for kw in call.keywords}
            values = [ast.dump(a) for a in call.args] + [given.get(k) for k in ("full", "smoke")]
            values = [v for v in values if v is not None]
            if len(values) == 2 and values[0] == values[1]:
                yield cell.index, line(call)


@check(
    "loop-counts-named",
    "Loop counts are named settings that the dry run caps (EPOCHS, BATCH_SIZE, ...: "
    "common.notebooks.DRY_RUN_CAPS): `epochs=` of a fit call is such a name, not a number.",
)
def _loop_counts_named(nb):
    for cell in nb.after_settings:
        for call in calls(cell.tree):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "fit"):
                continue
            for kw in call.keywords:
                if (
                    kw.arg == "epochs"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, int)
                    and kw.value.value > 1
                ):
                    yield cell.index, line(call)


# --- 3. downloads -------------------------------------------------------------------------


@check(
    "downloads-through-sources",
    "Every download goes through common.sources (or data.load): never tfds.load, "
    "keras.utils.get_file, hub.load / hub.KerasLayer, urllib, requests or a shell download; "
    'ImageNet weights as weights=env.pick(full=sources.weights("imagenet"), smoke=None).',
)
def _downloads_through_sources(nb):
    for cell in nb.code:
        for call in calls(cell.tree):
            name = dotted(call.func)
            if name in DOWNLOAD_CALLS:
                yield cell.index, line(call)
            for kw in call.keywords:
                if kw.arg == "weights" and isinstance(kw.value, ast.Constant):
                    if kw.value.value == "imagenet":
                        yield cell.index, line(call)
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name in DOWNLOAD_MODULES or name.split(".")[0] in {"requests", "wget"}:
                    yield cell.index, f"line {node.lineno}: imports {name}"
        for source_line in cell.source.splitlines():
            if SHELL_DOWNLOAD.match(source_line):
                yield cell.index, source_line.strip()[:80]


# --- 4. outputs, verbosity, figures -------------------------------------------------------


@check(
    "checked-outputs",
    "Mark cells whose output is deterministic `# NBVAL_CHECK_OUTPUT` (nbval compares them; "
    "at least one a notebook), with their outputs stored; never NBVAL_SKIP.",
)
def _checked_outputs(nb):
    if "NBVAL_SKIP" in nb.text:
        yield None, "NBVAL_SKIP"
    checked = [c for c in nb.code if "# NBVAL_CHECK_OUTPUT" in c.source]
    if not checked:
        yield None, "no cell is marked # NBVAL_CHECK_OUTPUT"
    for cell in checked:
        if not cell.outputs or cell.execution_count is None:
            yield cell.index, "marked, but no stored output"


@check(
    "verbose-0-or-2",
    "Train, evaluate and predict with `verbose=2` (one line an epoch) or `verbose=0`: "
    "Keras's default progress bar floods the notebook and its stored outputs.",
)
def _verbose_0_or_2(nb):
    for cell in nb.code:
        for call in calls(cell.tree):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr in TRAINING_CALLS):
                continue
            if isinstance(func.value, ast.Name) and func.value.id[:1].isupper():
                continue  # a class's or module's function (PIL's ImageOps.fit), not a model's
            verbose = {kw.arg: kw.value for kw in call.keywords}.get("verbose")
            if not (isinstance(verbose, ast.Constant) and verbose.value in QUIET):
                yield cell.index, line(call)


def _drawing_lines(cell) -> list[int]:
    """The lines of a cell's own code that draw: pyplot calls and common.viz's figures."""
    found = []
    for call in top_level_calls(cell.tree):
        name = dotted(call.func)
        module, _, function = name.partition(".")
        if (module == "plt" and function not in NOT_DRAWING) or (
            module == "viz" and function in VIZ_DRAWING
        ):
            found.append(call.lineno)
    return found


@check(
    "figures-end-with-show",
    "A cell that draws a figure ends its drawing with `plt.show()`: each figure is shown "
    "where it is drawn, never left to the notebook's implicit display.",
)
def _figures_end_with_show(nb):
    for cell in nb.code:
        drawing = _drawing_lines(cell)
        shows = [c.lineno for c in top_level_calls(cell.tree) if dotted(c.func) == "plt.show"]
        if drawing and not (shows and max(shows) > max(drawing)):
            yield cell.index, f"line {max(drawing)} draws, and no plt.show() follows"


@check(
    "smoke-outputs",
    "Store the outputs of one top-to-bottom smoke run (`make outputs NB=path`): execution "
    "counts 1, 2, 3, ..., no errors, images under 80 kB.",
)
def _smoke_outputs(nb):
    code = nb.code
    if [c.execution_count for c in code] != list(range(1, len(code) + 1)):
        yield None, "execution counts out of order"
    if len(code) > 0 and "mode=smoke" not in code[0].text_output + (
        code[1].text_output if len(code) > 1 else ""
    ):
        yield None, "the setup or settings cell does not print mode=smoke"
    for cell in code:
        for out in cell.outputs:
            if out.get("output_type") == "error":
                yield cell.index, f"error output: {out.get('ename')}"
            png = out.get("data", {}).get("image/png")
            if png and len(base64.b64decode(png)) >= MAX_IMAGE_BYTES:
                yield cell.index, f"a {len(base64.b64decode(png)):,}-byte image"


@check(
    "clean-metadata",
    f"Metadata is clean (make outputs writes it so): the kernel python3, and cell metadata "
    f"keys among {sorted(CELL_METADATA)}.",
)
def _clean_metadata(nb):
    if nb.json.get("metadata") != {"kernelspec": KERNEL, "language_info": {"name": "python"}}:
        yield None, f"notebook metadata {nb.json.get('metadata')}"
    for cell in nb.cells:
        extra = set(cell.metadata) - CELL_METADATA
        if extra:
            yield cell.index, f"cell metadata {sorted(extra)}"


# --- 5. the end ---------------------------------------------------------------------------


@check(
    "ends-with-next-steps-and-check",
    "End with a 'What to try next' markdown cell and a check cell: learning results through "
    "`env.check_bar(...)`, wiring through `assert`s, printing '... passed'.",
)
def _ends_with_next_steps_and_check(nb):
    markdown = [c for c in nb.cells if c.kind == "markdown"]
    if not markdown or "What to try next" not in markdown[-1].source:
        yield None, "the last markdown cell is not 'What to try next'"
    last = nb.cells[-1]
    if last.kind != "code" or not ("env.check_bar(" in last.source or "assert " in last.source):
        yield last.index, "the last cell checks nothing"
    elif "passed" not in last.text_output:
        yield last.index, "its stored output does not say 'passed'"


# --- 6. the README ------------------------------------------------------------------------


def _readme(root: Path) -> str:
    path = root / "README.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@check(
    "readme-row",
    "The notebook has its row in the README's table, with its current Colab link "
    "(`python -m common.notebooks sync` writes the address).",
)
def _readme_row(nb):
    readme = _readme(nb.root)
    if str(nb.rel) not in readme:
        yield None, "no row"
    elif colab_link(nb.rel) not in readme:
        yield None, "no current Colab link"


# --- 7. size and names --------------------------------------------------------------------


@check(
    "short-code",
    f"At most {MAX_CODE_LINES} lines of code: what later notebooks reuse goes in common.",
)
def _short_code(nb):
    lines = sum(len(c.source.splitlines()) for c in nb.code)
    if lines > MAX_CODE_LINES:
        yield None, f"{lines} lines"


@check(
    "spelled-out-names",
    "Import common's modules by their names (`from common import strategy`), never as short "
    "aliases (`strategy as S`).",
)
def _spelled_out_names(nb):
    for cell in nb.code:
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("common"):
                for alias in node.names:
                    if alias.asname and alias.asname != alias.name:
                        yield cell.index, f"{alias.name} as {alias.asname}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("common.") and alias.asname:
                        yield cell.index, f"{alias.name} as {alias.asname}"


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    path: Path
    check: Check
    cell: int | None
    found: str

    def __str__(self) -> str:
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{self.path}: {self.check.name}: {self.check.rule} [{where}{self.found}]"


def run_check(chk: Check, nb: Notebook) -> list[Violation]:
    return [Violation(nb.rel, chk, cell, found) for cell, found in chk.run(nb)]


def lint(paths=None, root: Path = ROOT) -> list[Violation]:
    """Every violation of every check in the notebooks ``paths`` (default: all)."""
    found = []
    for path in paths or find_notebooks(root):
        nb = Notebook(path, root)
        for chk in CHECKS:
            found.extend(run_check(chk, nb))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.nblint", description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--list", action="store_true", help="print the checks and their rules")
    args = parser.parse_args(argv)
    if args.list:
        for chk in CHECKS:
            print(f"{chk.name}: {chk.rule}")
        return 0
    violations = lint(args.paths)
    for violation in violations:
        print(violation)
    n = len(args.paths) or len(find_notebooks())
    print(f"{len(violations)} violation(s) of {len(CHECKS)} checks in {n} notebook(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
