"""Run the notebooks' setup cell as Colab runs it, end to end, on the learner's stack.

    LEARNER_PYTHON tests/colab_stack/setup_check.py REPOSITORY_URL [NOTEBOOK]

Run with the Python of the learner's-stack virtualenv (``make colab-setup`` does). First it
puts that environment back to Colab as shipped (``constraints.txt``; ``common`` not
installed). Then it executes the notebook's first cells in a kernel that, as on Colab,

* has ``google.colab`` imported (the stand-in in ``standin/``),
* runs in an empty folder outside any checkout (Colab's ``/content``),
* installs ``common`` from ``TFAT_REPO=REPOSITORY_URL`` (here a local clone, ``file://...``),

and checks that the setup cell installed ``common`` and what Colab lacks, that the settings
cell then imports it and says it runs on Colab, and that tensorflow-datasets imports (it
does not on Colab's stack as shipped). Exit status 0 when all of that holds.

It must not import ``common`` itself: in this environment ``common`` is not installed yet.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_NOTEBOOK = (
    "course1_custom_models/week1_functional_api/C1_W1_Lab_1_functional_practice.ipynb"
)


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "-q", *args], check=True)


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


def run_cells(notebook, url, n_cells=3):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = nb.cells[:n_cells]  # title, the setup cell, imports and settings
    folder = Path(tempfile.mkdtemp(prefix="content-"))  # Colab's /content: no checkout
    env_before = dict(os.environ)
    os.environ.update(
        {
            "PYTHONPATH": str(HERE / "standin"),  # google.colab imported at start-up
            "TFAT_REPO": url,
            "TFAT_MODE": "smoke",  # the settings cell needs no data
        }
    )
    try:
        client = NotebookClient(
            nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(env_before)
        shutil.rmtree(folder, ignore_errors=True)
    outputs = ["".join(o.get("text", "") for o in cell.get("outputs", [])) for cell in nb.cells]
    return outputs, seconds


def main(argv):
    url = argv[1]
    notebook = ROOT / (argv[2] if len(argv) > 2 else DEFAULT_NOTEBOOK)
    as_shipped()
    outputs, seconds = run_cells(notebook, url)
    print(f"setup and settings cells ran in {seconds:.0f} s")
    said = [line for line in outputs[2].splitlines() if line.startswith("mode=")]
    print("settings cell said:", said[0] if said else outputs[2][-300:])
    problems = []
    if "| Colab" not in outputs[2]:
        problems.append("the settings cell does not say it runs on Colab")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "show", "tfat-common"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if installed.returncode != 0:
        problems.append("tfat-common is not installed after the setup cell")
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
            "with the colab extra; tensorflow-datasets imports: passed",
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
