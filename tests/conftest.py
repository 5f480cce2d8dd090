"""Shared fixtures, and the network check of smoke runs.

When ``TFAT_NETWORK_LOG`` names a file (``make test`` does), every connection attempt to a
non-loopback address made by this process, its workers or a notebook kernel is appended
to it by the guard in tests/netguard; the session fails if the file is not empty.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = ROOT / "tests" / "netguard"


@pytest.fixture
def smoke(monkeypatch):
    """Run the test in smoke mode."""
    monkeypatch.setenv("TFAT_MODE", "smoke")


@pytest.fixture
def full(monkeypatch):
    """Run the test in full mode."""
    monkeypatch.setenv("TFAT_MODE", "full")


@pytest.fixture
def dry(monkeypatch, tmp_path):
    """The dry run: full mode with TFAT_DRY_RUN=1, fakes under a fresh cache folder, and a
    failure if anything probes the network."""
    from common import env

    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setenv("TFAT_DRY_RUN", "1")
    monkeypatch.setenv("TFAT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("the dry run probed"))


def run_python(code: str, *, env=None, timeout: float = 120, guard: bool = True):
    """Run ``code`` in a fresh Python process (TF state untouched by this process).

    Returns the CompletedProcess with text stdout/stderr. ``guard`` keeps the network
    guard on, writing to the process's own log (``env['TFAT_NETWORK_LOG']``) if given.
    """
    full_env = dict(os.environ)
    full_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(NETGUARD), str(ROOT), full_env.get("PYTHONPATH", "")]
    )
    if guard:
        full_env["TFAT_NETWORK_GUARD"] = "1"
    full_env.pop("TFAT_NETWORK_LOG", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks
        return
    log = os.environ.get("TFAT_NETWORK_LOG")
    if log and os.path.exists(log) and os.path.getsize(log):
        with open(log, encoding="utf-8") as fh:
            lines = fh.read().strip().splitlines()
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"smoke run tried to use the network {len(lines)} time(s):\n" + "\n".join(
            lines[:20]
        )
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
