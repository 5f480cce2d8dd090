"""Execute the course notebooks headless and keep their committed form clean.

Command line (what ``make run``, ``make outputs`` and ``make dryrun`` call)::

    python -m common.notebooks run [PATH ...] [--inplace] [--timeout S] [--workers N]
    python -m common.notebooks dryrun [PATH ...] [--timeout S] [--workers N]

``run`` executes each notebook (default: every notebook under the course folders) in
the current mode, with the notebook's own folder as working directory, ``--workers`` at a
time, and prints one line per notebook in a stable order: name, seconds, pass/FAIL.
Executed copies go under ``build/notebooks/``; ``--inplace`` writes the cleaned, executed
notebook back over the source instead (how the committed smoke outputs are regenerated).
The exit status is non-zero if any failed.

``dryrun`` is the full-mode dry run: it sets ``TFAT_MODE=full`` and ``TFAT_DRY_RUN=1``
(every outside resource replaced by a local fake, see :mod:`common.sources`), caps the
loop counts of each notebook's settings cell (:data:`DRY_RUN_CAPS`, inserted after their
assignments in a copy; the committed notebook is untouched) and writes the executed copies
under ``build/dryrun/``.

Needs the ``lab`` extra (nbclient, nbformat, ipykernel).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_GLOB = "course*/week*/*.ipynb"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


class TfPrintCapture:
    """Read back in a notebook what ``tf.print`` wrote: in Jupyter its default stream (the
    process's stderr) never reaches the cell, so it writes to a file instead (C2 W3 Lab 1
    shows how, inline)::

        tf_print = TfPrintCapture()
        tf.print("Fizz", output_stream=tf_print.stream)
        tf_print.read()  # "Fizz\n": what was written since the last read
    """

    def __init__(self):
        import tempfile

        self.path = Path(tempfile.mkdtemp()) / "tf_print.txt"

    @property
    def stream(self) -> str:
        """The ``output_stream`` argument of ``tf.print``: ``"file://<path>"``."""
        return f"file://{self.path}"

    def read(self) -> str:
        """What ``tf.print`` wrote to :attr:`stream` since the last call ("" if nothing)."""
        if not self.path.exists():
            return ""
        text = self.path.read_text(encoding="utf-8")
        self.path.unlink()
        return text


def repository_url() -> str:
    """The address of this repository: ``[project.urls] Repository`` in pyproject.toml, the
    one place it is set (read from the installed package's metadata outside a checkout).
    The setup cell and the README's "Open in Colab" links are written from it
    (``python -m common.notebooks sync``)."""
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        return tomllib.loads(pyproject.read_text())["project"]["urls"]["Repository"]
    from importlib import metadata

    for entry in metadata.metadata("tfat-common").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip() == "Repository":
            return url.strip()
    raise RuntimeError("tfat-common's metadata names no Repository URL")


def setup_cell(url: str) -> str:
    """The second cell of every notebook, word for word (``python -m common.notebooks sync``
    writes it): imports ``common``; on Colab, where it is missing, first installs it from
    GitHub repository ``url`` with the ``colab`` extra of pyproject.toml (what Colab lacks or
    ships broken; Colab's own TensorFlow satisfies ``common``'s dependencies, so it stays).
    Elsewhere ``common`` comes installed (``make lab``: ``pip install -e .``); without it, the
    last line fails with its comment as the message, as it does when the install failed."""
    return f"""\
import importlib.util, sys  # setup: `common` is the helper package these notebooks share
if "google.colab" in sys.modules and not importlib.util.find_spec("common"):  # on Colab, install it
    %pip install -q "tfat-common[colab] @ git+{url}"
import common  # if this fails on Colab, check the address above (your fork's?); locally, run `make lab`"""


def colab_link(path, url: str | None = None) -> str:
    """The "Open in Colab" address of notebook ``path`` (relative to the repository) on the
    main branch of GitHub repository ``url`` (default :func:`repository_url`)."""
    url = (url or repository_url()).removesuffix(".git").rstrip("/")
    owner_repo = url.split("github.com/", 1)[-1]
    return (
        f"https://colab.research.google.com/github/{owner_repo}/blob/main/{Path(path).as_posix()}"
    )


SETUP_CELL = setup_cell(repository_url())
_COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/[^)\s]+?/blob/main/([^)\s]+\.ipynb)"
)


def sync(root: Path | str = ROOT) -> list[Path]:
    """Rewrite what is written from :func:`repository_url`: the setup cell (source only) of
    every notebook under ``root`` and of its exercise editions (``exercises/``), and the
    "Open in Colab" links of its README. Returns the files that changed."""
    import nbformat

    root, changed = Path(root), []
    editions = sorted(root.glob(COURSE_GLOB.replace("/*.ipynb", "/exercises/*.ipynb")))
    for path in [*find_notebooks(root), *editions]:
        nb = nbformat.read(path, as_version=4)
        if len(nb.cells) > 1 and nb.cells[1].source != SETUP_CELL:
            nb.cells[1].source = SETUP_CELL
            nbformat.write(nb, path)
            changed.append(path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = _COLAB_LINK.sub(lambda m: colab_link(m.group(1)), text)
    if new != text:
        readme.write_text(new, encoding="utf-8")
        changed.append(readme)
    return changed


# The dry run tests wiring at full size, not learning: the settings of the loops (epochs,
# batches, steps) are capped to these values (any other name ending in EPOCHS to 1); image
# sizes and models stay full size.
DRY_RUN_CAPS = {
    "EPOCHS": 1,
    "FAULT_EPOCHS": 3,  # the multi-worker run that loses a worker needs a few epochs
    "BACKUP_EPOCHS": 3,  # BackupAndRestore's run is interrupted after 2 and resumed for the 3rd
    "BATCH_SIZE": 4,  # the fakes hold 10-40 examples a split: an epoch costs the same
    "BATCH_SIZE_PER_REPLICA": 4,
    "NUM_BATCHES": 2,
    "N_SAMPLES": 200,
    "TRAIN_IMAGES": 400,
    "TIMEOUT": 300,
}
SETTINGS_CELL = 2  # index of the imports-and-settings cell (CONTRIBUTING.md)


def cap_settings(source: str, caps=None) -> str:
    """The settings cell ``source`` with a cap after each top-level assignment of a name in
    ``caps`` (default :data:`DRY_RUN_CAPS`; other names ending in ``EPOCHS``: 1):
    ``EPOCHS = ...`` is followed by
    ``EPOCHS = EPOCHS if EPOCHS is None else min(EPOCHS, 1)``, so values computed later in
    the cell from it see the capped value. Source that does not parse is returned as is."""
    caps = DRY_RUN_CAPS if caps is None else caps
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines()
    inserts = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else ""
            cap = caps.get(name, 1 if name.endswith("EPOCHS") else None)
            if cap is not None:
                line = f"{name} = {name} if {name} is None else min({name}, {cap!r})  # dry run"
                inserts.append((node.end_lineno, line))
    for after, line in sorted(inserts, reverse=True):
        lines.insert(after, line)
    return "\n".join(lines)


def find_notebooks(root: Path | str = ROOT) -> list[Path]:
    """Every course notebook under ``root``, sorted by path."""
    root = Path(root)
    return sorted(p for p in root.glob(COURSE_GLOB) if ".ipynb_checkpoints" not in p.parts)


# TensorFlow's native start-up logging (absl), which no Python setting silences.
_NATIVE_LOG = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]|WARNING: All log messages before absl)"
)


def clean(nb):
    """Strip run-specific data in place and return ``nb``: keep the kernel spec and the
    language name, cell ``tags`` and ``nbgrader`` only, no timing or widget state, and no
    native TensorFlow log lines in stderr outputs (an emptied stderr output is removed)."""
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    for cell in nb.cells:
        meta = {k: cell.get("metadata", {}).get(k) for k in ("tags", "nbgrader")}
        cell.metadata = {k: v for k, v in meta.items() if v}
        kept = []
        for output in cell.get("outputs", []):
            if "metadata" in output:
                output.metadata = {k: v for k, v in output.metadata.items() if k == "image/png"}
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output.text.splitlines(keepends=True)
                output.text = "".join(line for line in lines if not _NATIVE_LOG.match(line))
                if not output.text:
                    continue
            kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept
    return nb


def execute(path: Path | str, timeout: int = 600, *, dry_run: bool = False):
    """Execute the notebook at ``path`` in its own folder; return the executed, cleaned
    notebook. ``dry_run`` caps the settings cell first (:func:`cap_settings`; the kernel
    must see ``TFAT_DRY_RUN=1``). Raises ``nbclient.exceptions.CellExecutionError`` on the
    first failing cell (the partially executed notebook is attached as ``err.notebook``)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
    if dry_run and len(nb.cells) > SETTINGS_CELL:
        cell = nb.cells[SETTINGS_CELL]
        cell.source = cap_settings(cell.source)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:  # the kernel's own stderr (native TF start-up logs) stays out of the terminal
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as err:
        err.notebook = clean(nb)
        raise
    return clean(nb)


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return Path(path.name)


def run(
    paths,
    *,
    inplace: bool = False,
    timeout: int = 600,
    out_dir: Path | None = None,
    stream=None,
    workers: int = 1,
    dry_run: bool = False,
) -> int:
    """Execute ``paths``, ``workers`` at a time, printing ``name  seconds  pass|FAIL`` per
    notebook in the order given (a line as soon as it and those before it are done), with
    a ``[done/total]`` count.

    Returns the number of failed notebooks.
    """
    stream = stream or sys.stdout
    paths = [Path(p) for p in paths]
    out_dir = Path(out_dir or ROOT / "build" / ("dryrun" if dry_run else "notebooks"))
    width = max((len(str(_relative(p))) for p in paths), default=10)
    results: dict[int, tuple[bool, str]] = {}
    lock = threading.Lock()
    printed = 0

    def one(index):
        nonlocal printed
        ok, line = _run_one(paths[index], inplace, timeout, out_dir, width, dry_run)
        with lock:
            results[index] = (ok, line)
            while printed in results:  # keep the report in the given order
                print(
                    f"[{printed + 1}/{len(paths)}] {results[printed][1]}", file=stream, flush=True
                )
                printed += 1

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, range(len(paths))))
    return sum(not ok for ok, _ in results.values())


def _run_one(path, inplace, timeout, out_dir, width, dry_run):
    """Execute one notebook and write it; ``(ok, report line)``."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    start = time.perf_counter()
    reason = ""
    try:
        nb = execute(path, timeout=timeout, dry_run=dry_run)
        ok = True
    except CellExecutionError as err:
        nb, ok = err.notebook, False
        reason = re.sub(r"\x1b\[[0-9;]*m", "", str(err).strip().splitlines()[-1])[:160]
    except Exception as err:  # noqa: BLE001 - a kernel death is a failure to report
        nb, ok = None, False
        reason = f"{type(err).__name__}: {err}"[:160]
    seconds = time.perf_counter() - start
    target = path if (inplace and ok and not dry_run) else out_dir / _relative(path)
    if nb is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    status = "pass" if ok else "FAIL"
    line = f"{str(_relative(path)):<{width}}  {seconds:6.1f} s  {status}"
    return ok, line + (f"  {reason}" if reason else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("run", "execute notebooks headless in the current mode"),
                       ("dryrun", "the full-mode dry run: local fakes, capped loops")):  # fmt: skip
        p = sub.add_parser(name, help=text)
        p.add_argument("paths", nargs="*", help="notebooks (default: every course notebook)")
        p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
        p.add_argument("--workers", type=int, default=1, help="notebooks run at once")
        if name == "run":
            p.add_argument(
                "--inplace", action="store_true", help="write executed notebooks over the sources"
            )
    sub.add_parser("sync", help="rewrite the setup cells and Colab links from the repository URL")
    args = parser.parse_args(argv)
    if args.command == "sync":
        changed = sync()
        print(f"{len(changed)} file(s) rewritten from {repository_url()}")
        return 0
    paths = [Path(p) for p in args.paths] or find_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if not paths:
        parser.error("no notebooks found")
    dry_run = args.command == "dryrun"
    if dry_run:  # the kernels inherit these
        os.environ.update({"TFAT_MODE": "full", "TFAT_DRY_RUN": "1"})
    from common import env

    what = "the full-mode dry run" if dry_run else f"{env.mode()} mode"
    print(f"Executing {len(paths)} notebook(s) in {what}, {args.workers} at a time", flush=True)
    start = time.perf_counter()
    failed = run(
        paths, inplace=getattr(args, "inplace", False), timeout=args.timeout,
        workers=args.workers, dry_run=dry_run,
    )  # fmt: skip
    minutes = (time.perf_counter() - start) / 60
    print(f"{len(paths) - failed} passed, {failed} failed in {minutes:.1f} min", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
