"""Run the notebooks' setup cell as Colab runs it, end to end, on the learner's stack.

    LEARNER_PYTHON tests/colab_stack/setup_check.py REPOSITORY_URL [NOTEBOOK]

Run with the Python of the learner's-stack virtualenv (``make colab-setup`` does). First it
puts that environment back to Colab as shipped (``constraints.txt``; ``common`` not
installed). Then it executes the notebook's first cells in kernels that, as on Colab, run
in an empty folder outside any checkout (Colab's ``/content``), with the setup cell's
address replaced by ``REPOSITORY_URL`` (as a learner puts their fork's; here a local clone,
``file://...``), and checks that

* outside Colab (no ``google.colab``), and on Colab with an address that does not exist,
  the setup cell fails with the message its last line carries, and installs nothing;
* on Colab (``google.colab`` imported: the stand-in in ``standin/``) it installs ``common``
  with its ``colab`` extra and changes nothing else of Colab's stack: TensorFlow, Keras,
  protobuf, NumPy... stay Colab's;
* the settings cell then imports ``common`` from site-packages and says it runs on Colab,
  and tensorflow-datasets imports in the same kernel, without a restart (it does not on
  Colab's stack as shipped).

Exit status 0 when all of that holds. It must not import ``common`` itself: in this
environment ``common`` is not installed yet.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_NOTEBOOK = (
    "course1_custom_models/week1_functional_api/C1_W1_Lab_1_functional_practice.ipynb"
)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
ADDRESS = PROJECT["urls"]["Repository"]  # what `sync` wrote into every setup cell
TFDS_CELL = "import tensorflow_datasets as tfds\nprint('tfds.builder:', hasattr(tfds, 'builder'))"


def _name(spec):
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True)


def installed() -> dict[str, str]:
    """Every installed distribution: normalized name -> version."""
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {_name(d["name"]): d["version"] for d in json.loads(listing.stdout)}


def as_shipped():
    """Colab's packages as its freeze lists them, and no ``common``."""
    pip("uninstall", "-y", "tfat-common", "importlib_resources")
    pip("install", "-r", str(HERE / "constraints.txt"))
    tfds = subprocess.run(
        [sys.executable, "-c", "import tensorflow_datasets as t; t.builder"],
        capture_output=True,
        text=True,
    )
    print(
        "as shipped, tensorflow_datasets.builder:",
        "works"
        if tfds.returncode == 0
        else "fails (" + tfds.stderr.strip().splitlines()[-1][:120] + ")",
    )


def run_cells(notebook, url, *, colab=True, n_cells=3, extra=()):
    """Execute the notebook's first ``n_cells`` cells (title, setup, settings) and the code
    cells ``extra``, the setup cell installing from ``url``, in an empty folder. Returns
    ``(outputs, error)``: each cell's text output, and the error's text ("" if none)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = nb.cells[:n_cells] + [nbformat.v4.new_code_cell(code) for code in extra]
    setup = nb.cells[1]
    if setup.source.count(ADDRESS) != 1:
        raise SystemExit(f"the setup cell of {notebook} does not hold {ADDRESS} once")
    setup.source = setup.source.replace(ADDRESS, url)
    folder = Path(tempfile.mkdtemp(prefix="content-"))  # Colab's /content: no checkout
    env_before = dict(os.environ)
    os.environ.pop("PYTHONPATH", None)
    if colab:  # google.colab imported at start-up
        os.environ["PYTHONPATH"] = str(HERE / "standin")
    os.environ["TFAT_MODE"] = "smoke"  # the settings cell needs no data
    error = ""
    try:
        client = NotebookClient(
            nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        client.execute()
    except CellExecutionError as err:
        error = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    finally:
        os.environ.clear()
        os.environ.update(env_before)
        shutil.rmtree(folder, ignore_errors=True)
    outputs = ["".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in nb.cells]
    return outputs, error


def check_failures(notebook, url, problems):
    """Outside Colab, and with an address that does not exist: a clear failure, no install."""
    before = installed()
    cases = {
        "outside Colab": (url, False, "locally, run `make lab`"),
        "a wrong address": ("file:///nonexistent/fork", True, "check the address above"),
    }
    for case, (address, colab, message) in cases.items():
        _, error = run_cells(notebook, address, colab=colab, n_cells=2)
        said = [line.strip() for line in error.splitlines() if "import common" in line]
        print(f"{case}, the setup cell fails with:", said[-1] if said else error[-300:])
        if "ModuleNotFoundError" not in error or message not in error:
            problems.append(
                f"{case}: the setup cell does not fail with {message!r}: {error[-500:]}"
            )
    if installed() != before:
        problems.append("a failed setup cell changed the installed packages")


def check_install(notebook, url, problems):
    """On Colab: common installed with its colab extra, and nothing else of Colab's changed."""
    before = installed()
    start = time.perf_counter()
    outputs, error = run_cells(notebook, url, extra=[TFDS_CELL])
    print(f"setup, settings and tfds cells ran in {time.perf_counter() - start:.0f} s")
    if error:
        problems.append(f"a cell failed: {error[-1500:]}")
        return
    said = [line for line in outputs[2].splitlines() if line.startswith("mode=")]
    print("settings cell said:", said[0] if said else outputs[2][-300:])
    if "| Colab" not in outputs[2]:
        problems.append("the settings cell does not say it runs on Colab")
    if "tfds.builder: True" not in outputs[3]:
        problems.append(f"tensorflow_datasets does not import in the kernel: {outputs[3][-300:]}")
    after = installed()
    changed = {
        name: (before.get(name), after.get(name))
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }
    print(
        "the install changed:",
        ", ".join(f"{n} {a} -> {b}" for n, (a, b) in sorted(changed.items())),
    )
    allowed = {"tfat-common"} | {_name(s) for s in PROJECT["optional-dependencies"]["colab"]}
    if changed.keys() - allowed:
        problems.append(
            f"the install changed Colab's own packages: {sorted(changed.keys() - allowed)}"
        )
    if "tfat-common" not in after:
        problems.append("tfat-common is not installed after the setup cell")


def main(argv):
    url = argv[1]
    notebook = ROOT / (argv[2] if len(argv) > 2 else DEFAULT_NOTEBOOK)
    as_shipped()
    problems = []
    check_failures(notebook, url, problems)
    check_install(notebook, url, problems)
    location = subprocess.run(
        [sys.executable, "-c", "import common; print(common.__file__)"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if "site-packages" not in location.stdout:
        problems.append(f"common is not imported from site-packages: {location.stdout}")
    tfds = subprocess.run(
        [sys.executable, "-c", "import tensorflow_datasets as t; t.builder"],
        capture_output=True,
        text=True,
    )
    if tfds.returncode != 0:
        problems.append("tensorflow_datasets still fails: " + tfds.stderr.strip()[-300:])
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print(
            "Colab's setup path: the setup cell installed common from",
            url,
            "with the colab extra, kept Colab's own packages, and failed clearly outside "
            "Colab and on a wrong address; tensorflow-datasets imports: passed",
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
