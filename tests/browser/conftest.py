"""Fixtures of the browser tests (``make browser``): JupyterLab on loopback in smoke mode,
headless Chromium driven by Playwright, and a screenshot of each step under build/browser/.

The Makefile runs these tests under tests/offline.sh, so JupyterLab, its kernels and
Chromium share a network namespace with loopback only (and the Python guard): every
request stays on 127.0.0.1. The served tree is the repository; each test works on a copy
of its notebook under build/browser/work/, so no committed notebook changes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from common import strategy

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "browser"
WORK = OUT / "work"
START_SECONDS = 180  # JupyterLab's start on a busy 2-core machine takes 10-40 s
INSTALL_CHROMIUM = (
    "install it with `apt-get install chromium` (Debian/Ubuntu, as root; `make browser` does "
    "that when run as root), or point TFAT_CHROMIUM at a Chromium or Chrome binary"
)
# etc/jupyter turns the news pop-up off (as `make lab` does: the Makefile's LAB_CONFIG); these
# settings turn autosave off: the copies under build/browser/work stay as the test left them.
LAB_SETTINGS = {"@jupyterlab/docmanager-extension/plugin": {"autosave": False}}


def chromium_path() -> str | None:
    """The Chromium binary: $TFAT_CHROMIUM, else chromium (or chromium-browser) on PATH."""
    found = os.environ.get("TFAT_CHROMIUM") or shutil.which("chromium")
    return found or shutil.which("chromium-browser")


def lab_command(port: int, token: str) -> list[str]:
    """JupyterLab on the repository, on 127.0.0.1 only, with a token."""
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


def wait_for_lab(url: str, token: str, process, log: Path, seconds: float = START_SECONDS):
    """Block until JupyterLab answers ``/api/status``; raise naming the cause otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    state = f"exited with {process.returncode}" if process.poll() is not None else "no answer"
    raise RuntimeError(
        f"JupyterLab could not start ({state} after {seconds:.0f} s at {url}); install it with "
        f"`make setup` (the lab extra: pip install -e '.[lab]'). Its log ({log}):\n{tail}"
    )


def stop(process, seconds: float = 30) -> None:
    """Stop a process started with ``start_new_session``, and its process group. Jupyter
    shuts its kernels down on SIGTERM (and a kernel exits when its server is gone)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(seconds)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever did not stop in time
    except ProcessLookupError:
        pass
    process.wait(seconds)


@dataclass
class Server:
    url: str
    token: str
    log: Path


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory):
    """JupyterLab in smoke mode on a free loopback port, with a fresh user settings folder
    (news off, no autosave); stopped at the end of the session."""
    home = tmp_path_factory.mktemp("jupyter")
    for plugin, values in LAB_SETTINGS.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, TFAT_MODE="smoke", JUPYTER_CONFIG_PATH=str(ROOT / "etc" / "jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "run"))  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    port, token = strategy.free_ports(1)[0], secrets.token_hex(16)
    log = OUT / "jupyterlab.log"
    with log.open("w") as fh:
        process = subprocess.Popen(
            lab_command(port, token), cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", token, log)
    try:
        try:
            wait_for_lab(server.url, token, process, log)
        except RuntimeError as err:
            pytest.fail(str(err), pytrace=False)
        yield server
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (the Debian package; Playwright downloads nothing)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is missing: pip install -e '.[browser]' (make browser does)", pytrace=False
        )
    path = chromium_path()
    if not path or not Path(path).exists():
        pytest.fail(
            f"Chromium could not start: no chromium found; {INSTALL_CHROMIUM}", pytrace=False
        )
    args = ["--disable-dev-shm-usage", "--disable-gpu"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, headless=True, args=args)
        except Error as err:
            pytest.fail(
                f"Chromium could not start ({path}): {err}\n{INSTALL_CHROMIUM}", pytrace=False
            )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh browser page (1400 x 1000); a screenshot of it when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=OUT / f"FAILED-{request.node.name}.png")
    context.close()


def shutdown_kernels(server: Server) -> None:
    """Shut every kernel of ``server`` down (each test starts its notebook's afresh)."""

    def call(method, path=""):
        url = f"{server.url}/api/kernels{path}?token={server.token}"
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
            return json.loads(r.read() or b"null")

    for kernel in call("GET"):
        call("DELETE", f"/{kernel['id']}")


@pytest.fixture(autouse=True)
def _one_kernel_at_a_time(request):
    """After a test on the shared JupyterLab, its kernels go (memory, CPU)."""
    yield
    if "jupyter" in request.fixturenames:
        shutdown_kernels(request.getfixturevalue("jupyter"))


def work_copy(relative: str) -> str:
    """Copy the notebook at ``relative`` (to the repository) into build/browser/work/ and
    return the copy's path relative to the repository (the served tree)."""
    source = ROOT / relative
    target = WORK / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return str(target.relative_to(ROOT))
