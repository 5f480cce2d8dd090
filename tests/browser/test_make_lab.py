"""Scenario 4: a newcomer runs `make lab` (as root, as in Docker) and opens the URL it prints.

The test runs the Makefile's own target, with a fresh home folder (no earlier Jupyter
settings) and no TFAT_MODE (full mode, as a learner's; offline, so `make lab`'s install
step is taken as done: `make browser` did it), and opens the printed URL in the
browser: JupyterLab shows, a course notebook opens without a "Select Kernel" dialog, and
its kernel is the project's: the virtualenv's Python, importing this checkout's `common`.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

from tests.browser.conftest import OUT, ROOT, Server, stop, work_copy
from tests.browser.jlab import Notebook

NOTEBOOK = (
    "course2_distributed_training/week1_tensors_and_gradients/C2_W1_Lab_1_basic_tensors.ipynb"
)
URL = re.compile(r"(http://(?:127\.0\.0\.1|localhost):\d+/lab\?token=\w+)")
PROBE = "import sys, common\nprint(sys.executable)\nprint(common.__file__)"


def printed_url(log, process, seconds: float = 180) -> str:
    """The URL `make lab` prints (127.0.0.1's if both are printed), within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        urls = URL.findall(log.read_text(errors="replace"))
        if urls:
            time.sleep(1)  # both lines are printed together
            urls = URL.findall(log.read_text(errors="replace"))
            return next((u for u in urls if "127.0.0.1" in u), urls[0])
        time.sleep(0.5)
    raise AssertionError(
        f"`make lab` printed no URL within {seconds:.0f} s (JupyterLab could not start);"
        f" its output:\n{log.read_text(errors='replace')[-3000:]}"
    )


def test_make_lab_as_a_newcomer(page, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TFAT_MODE", "JUPYTER"))}
    env.pop("MATPLOTLIBRC", None)
    env["HOME"] = str(home)
    log = OUT / "4-make-lab.log"
    with log.open("w") as fh:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "lab"], cwd=ROOT, env=env, stdout=fh,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        url = printed_url(log, process)
        page.goto(url, timeout=120_000)
        page.locator(".jp-Launcher").first.wait_for(timeout=120_000)
        page.wait_for_timeout(3000)  # time for any start-up pop-up to show
        nb = Notebook(page, Server(url.split("/lab")[0], url.split("token=")[1], log), "4-make-lab")
        nb.shot("printed-url-opened")
        toasts = page.locator(".jp-Notification-Toast, .Toastify__toast").all_text_contents()
        assert not toasts, f"a pop-up greets the newcomer: {toasts}"

        nb.open(work_copy(NOTEBOOK))
        assert not nb.dialogs(), f"a dialog blocks the notebook: {nb.dialogs()}"
        assert "Python 3 (ipykernel)" in page.locator(".jp-KernelName").first.text_content()
        probe = nb.insert_below(0, PROBE)
        nb.run(probe)
        executable, module = nb.output_text(probe).split()
        nb.shot("kernel-is-the-projects")
        assert executable.startswith(str(ROOT / ".venv")), executable
        assert module == str(ROOT / "common" / "__init__.py"), module
    finally:
        stop(process)
