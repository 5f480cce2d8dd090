"""Execute the course notebooks headless and keep their committed form clean.

Command line (what ``make run`` and ``make outputs`` call)::

    python -m common.notebooks run [PATH ...] [--inplace] [--timeout S]

``run`` executes each notebook (default: every notebook under the course folders) in
the current mode, with the notebook's own folder as working directory, and prints one
line per notebook: name, seconds, pass/FAIL. Executed copies go under ``build/notebooks/``;
``--inplace`` writes the cleaned, executed notebook back over the source instead (how the
committed smoke outputs are regenerated). The exit status is non-zero if any failed.

Needs the ``lab`` extra (nbclient, nbformat, ipykernel).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_GLOB = "course*/week*/*.ipynb"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}

# The second cell of every notebook, word for word (tests/test_notebook_conventions.py).
SETUP_CELL = """\
# Setup: make this repository's `common` package importable. A no-op where it is installed
# (`make lab`); on Colab it is installed from the repository, keeping Colab's TensorFlow.
import importlib
import importlib.util
import os
import pathlib
import subprocess
import sys

if importlib.util.find_spec("common") is None:
    if "google.colab" in sys.modules:
        REPO = os.environ.get("TFAT_REPO", "https://github.com/tfat-notebooks/tf-advanced-techniques")
        pip = [sys.executable, "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "--no-deps", f"git+{REPO}"], check=True)
        subprocess.run([*pip, "mlxtend", "importlib_resources"], check=True)
        importlib.invalidate_caches()
    else:  # a checkout opened from another Jupyter: use the repository's copy
        here = pathlib.Path.cwd().resolve()
        root = next((p for p in [here, *here.parents] if (p / "common").is_dir()), None)
        if root is None:
            raise ModuleNotFoundError("`common` is missing: run `make lab` in the repository")
        sys.path.insert(0, str(root))"""


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
    language name, cell ``tags`` only, no timing or widget state, and no native TensorFlow
    log lines in stderr outputs (an emptied stderr output is removed)."""
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags")
        cell.metadata = {"tags": tags} if tags else {}
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


def execute(path: Path | str, timeout: int = 600):
    """Execute the notebook at ``path`` in its own folder; return the executed, cleaned
    notebook. Raises ``nbclient.exceptions.CellExecutionError`` on the first failing cell
    (the partially executed notebook is attached as ``err.notebook``)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
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
    paths, *, inplace: bool = False, timeout: int = 600, out_dir: Path | None = None, stream=None
) -> int:
    """Execute ``paths`` one after another, printing ``name  seconds  pass|FAIL``.

    Returns the number of failed notebooks.
    """
    import nbformat
    from nbclient.exceptions import CellExecutionError

    stream = stream or sys.stdout
    out_dir = Path(out_dir or ROOT / "build" / "notebooks")
    failed = 0
    width = max((len(str(_relative(Path(p)))) for p in paths), default=10)
    for p in paths:
        p = Path(p)
        start = time.perf_counter()
        reason = ""
        try:
            nb = execute(p, timeout=timeout)
            ok = True
        except CellExecutionError as err:
            nb, ok = err.notebook, False
            reason = re.sub(r"\x1b\[[0-9;]*m", "", str(err).strip().splitlines()[-1])[:160]
        except Exception as err:  # noqa: BLE001 - a kernel death is a failure to report
            nb, ok = None, False
            reason = f"{type(err).__name__}: {err}"[:160]
        seconds = time.perf_counter() - start
        failed += not ok
        target = p if (inplace and ok) else out_dir / _relative(p)
        if nb is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
        status = "pass" if ok else "FAIL"
        line = f"{str(_relative(p)):<{width}}  {seconds:6.1f} s  {status}"
        print(line + (f"  {reason}" if reason else ""), file=stream, flush=True)
    return failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="execute notebooks headless")
    run_p.add_argument("paths", nargs="*", help="notebooks (default: every course notebook)")
    run_p.add_argument(
        "--inplace", action="store_true", help="write executed notebooks back over the sources"
    )
    run_p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.paths] or find_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if not paths:
        parser.error("no notebooks found")
    from common import env

    print(f"Executing {len(paths)} notebook(s) in {env.mode()} mode", flush=True)
    failed = run(paths, inplace=args.inplace, timeout=args.timeout)
    print(f"{len(paths) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
