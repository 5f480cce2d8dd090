"""common.notebooks executes notebooks headless; its kernels run behind the network guard."""

import os
import sys

import nbformat
import pytest

from common import notebooks


def _write(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata = {"widgets": {"state": {}}, "colab": {"name": "x"}}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_run_reports_pass_and_fail_and_cleans(tmp_path, capsys):
    good = _write(
        tmp_path / "good.ipynb",
        "import os; print(os.getcwd())",
        "import common.env as e; print(e.mode())",
    )
    bad = _write(tmp_path / "bad.ipynb", "raise ValueError('boom')")
    out = tmp_path / "out"
    failed = notebooks.run([good, bad], out_dir=out, timeout=120)
    lines = capsys.readouterr().out.strip().splitlines()
    assert failed == 1
    assert lines[0].split()[:2] == ["[1/2]", "good.ipynb"] and lines[0].split()[-1] == "pass"
    assert lines[1].startswith("[2/2] bad.ipynb") and "FAIL" in lines[1] and "boom" in lines[1]
    executed = nbformat.read(out / "good.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == str(tmp_path)  # runs in its folder
    assert executed.cells[1].outputs[0]["text"].strip() == os.environ.get("TFAT_MODE", "full")
    assert executed.cells[0].execution_count == 1
    assert executed.metadata == {
        "kernelspec": notebooks.KERNEL,
        "language_info": {"name": "python"},
    }
    assert (out / "bad.ipynb").exists()  # the failed run is kept for reading


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("TFAT_NETWORK_GUARD") != "1",
    reason="the guard is installed by `make test` / tests/offline.sh",
)
def test_notebook_kernels_cannot_reach_the_network(tmp_path, monkeypatch):
    log = tmp_path / "net.log"
    monkeypatch.setenv("TFAT_NETWORK_LOG", str(log))  # keep the session's log clean
    path = _write(
        tmp_path / "net.ipynb",
        (
            "import socket\n"
            "try:\n"
            "    socket.create_connection(('192.0.2.1', 443), timeout=1)\n"
            "except socket.NetworkBlockedError as err:\n"
            "    print('blocked:', err)"
        ),
    )
    nb = notebooks.execute(path, timeout=120)
    assert (
        nb.cells[0]
        .outputs[0]["text"]
        .startswith("blocked: this offline run (smoke mode or the dry run) must not use")
    )
    assert "192.0.2.1:443" in log.read_text()


def test_guard_is_active_in_this_process(tmp_path, monkeypatch):
    import socket

    if os.environ.get("TFAT_NETWORK_GUARD") != "1":
        pytest.skip("the guard is installed by `make test` / tests/offline.sh")
    monkeypatch.setenv("TFAT_NETWORK_LOG", str(tmp_path / "net.log"))
    with pytest.raises(ConnectionRefusedError, match="must not use the network"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with socket.socket() as server:  # loopback stays open: Jupyter kernels need it
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=1).close()


def test_clean_drops_native_tensorflow_log_lines_only():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text=(
                "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                "I0000 00:00:1795903482.327721    4204 cudart_stub.cc:31] Could not find cuda\n"
            ),
        ),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: keep me\n"),
        nbformat.v4.new_output("stream", name="stdout", text="I0000 stdout is kept\n"),
    ]
    cell.metadata = {"execution": {"iopub.status.busy": "2026"}, "tags": ["t"]}
    nb.cells = [cell]
    notebooks.clean(nb)
    assert [o.text for o in cell.outputs] == ["UserWarning: keep me\n", "I0000 stdout is kept\n"]
    assert cell.metadata == {"tags": ["t"]}


def test_find_notebooks_and_cli_errors(tmp_path):
    week = tmp_path / "course9_x" / "week1_y"
    week.mkdir(parents=True)
    _write(week / "C9_W1_Lab_1_z.ipynb", "1")
    (week / ".ipynb_checkpoints").mkdir()
    assert notebooks.find_notebooks(tmp_path) == [week / "C9_W1_Lab_1_z.ipynb"]
    with pytest.raises(SystemExit):
        notebooks.main(["run", str(tmp_path / "missing.ipynb")])


@pytest.mark.slow
def test_a_hidden_connection_attempt_fails_the_test_session(tmp_path):
    """Even an attempt that the code under test catches and hides fails `make test`."""
    import subprocess
    import sys

    from tests.conftest import NETGUARD, ROOT

    (tmp_path / "test_sneaky.py").write_text(
        "import socket\n"
        "def test_swallows_the_error():\n"
        "    try:\n"
        "        socket.create_connection(('192.0.2.7', 443), timeout=1)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(NETGUARD), str(ROOT)]),
        TFAT_NETWORK_GUARD="1",
        TFAT_NETWORK_LOG=str(tmp_path / "net.log"),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_sneaky.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1 passed" in proc.stdout
    assert "smoke run tried to use the network 1 time(s)" in proc.stdout
    assert "192.0.2.7:443" in proc.stdout


def test_cap_settings_caps_loop_counts_where_they_are_set():
    from types import SimpleNamespace

    source = (
        "EPOCHS = env.pick(full=170,\n"
        "                  smoke=6)  # the course's\n"
        "STEPS_PER_EPOCH = EPOCHS * 10\n"
        "OVERFIT_MAX_EPOCHS = 30\n"
        "IMAGE_SIZE = 224\n"
        "BATCH_SIZE = env.pick(full=64, smoke=16)\n"
        "N_TRAIN = None\n"
    )
    capped = notebooks.cap_settings(source)
    names = {"env": SimpleNamespace(pick=lambda full, smoke: full)}
    exec(capped, names)
    assert names["EPOCHS"] == 1 and names["STEPS_PER_EPOCH"] == 10  # later lines see the cap
    assert names["OVERFIT_MAX_EPOCHS"] == 1 and names["BATCH_SIZE"] == 4
    assert names["IMAGE_SIZE"] == 224 and names["N_TRAIN"] is None  # full size stays
    assert capped.startswith(source.splitlines()[0]) and notebooks.cap_settings("x = (") == "x = ("


@pytest.mark.slow
def test_dryrun_runs_kernels_in_full_mode_with_fakes_and_caps(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFAT_MODE", "smoke")  # restored afterwards; dryrun sets full
    monkeypatch.setenv("TFAT_DRY_RUN", "0")
    path = _write(
        tmp_path / "nb.ipynb",
        "print('setup')",
        "x = 1",
        "from common import env\nEPOCHS = env.pick(full=20, smoke=2)",
        "print(env.mode(), env.dry_run(), EPOCHS)",
    )
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# t"))
    nb.cells = [nb.cells[0], nb.cells[1], nb.cells[3], nb.cells[4]]  # settings at index 2
    nbformat.write(nb, path)
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    assert notebooks.main(["dryrun", str(path)]) == 0
    executed = nbformat.read(tmp_path / "build" / "dryrun" / "nb.ipynb", as_version=4)
    assert executed.cells[3].outputs[0]["text"].strip() == "full True 1"
    assert "dry run" in capsys.readouterr().out


def test_tf_print_capture_reads_what_tf_print_wrote():
    import tensorflow as tf

    capture = notebooks.TfPrintCapture()
    assert capture.read() == ""

    @tf.function
    def fizz(n):
        for i in tf.range(n):
            tf.print("Fizz", i, output_stream=capture.stream)

    fizz(tf.constant(2))
    assert capture.read() == "Fizz 0\nFizz 1\n"
    assert capture.read() == ""  # read once


def test_sync_writes_the_setup_cell_and_colab_links(tmp_path):
    folder = tmp_path / "course1_x" / "week1_y"
    folder.mkdir(parents=True)
    path = _write(folder / "C1_W1_Lab_1_z.ipynb", "old setup", "x = 1")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# t"))
    nbformat.write(nb, path)
    old = "https://colab.research.google.com/github/someone/old/blob/main/course1_x/week1_y/a.ipynb"
    (tmp_path / "README.md").write_text(f"| a | [open]({old}) |\n")
    changed = notebooks.sync(tmp_path)
    assert sorted(p.name for p in changed) == ["C1_W1_Lab_1_z.ipynb", "README.md"]
    assert nbformat.read(path, as_version=4).cells[1].source == notebooks.SETUP_CELL
    assert notebooks.colab_link("course1_x/week1_y/a.ipynb") in (tmp_path / "README.md").read_text()
    assert notebooks.sync(tmp_path) == []  # nothing left to rewrite


def test_setup_cell_is_four_lines_of_ipython_with_the_address_once():
    from IPython.core.inputtransformer2 import TransformerManager

    cell = notebooks.setup_cell("https://github.com/you/fork")
    assert len(cell.splitlines()) <= 4, "the setup cell is the first code a learner reads"
    assert cell.count("https://github.com/you/fork") == 1
    assert notebooks.SETUP_CELL == notebooks.setup_cell(notebooks.repository_url())
    compile(TransformerManager().transform_cell(cell), "setup cell", "exec")


@pytest.mark.parametrize(
    "on_colab, installed, installs",
    [(True, False, True), (True, True, False), (False, False, False)],
)
def test_setup_cell_installs_common_only_on_colab_where_it_is_missing(
    monkeypatch, on_colab, installed, installs
):
    import importlib.util
    import types

    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(notebooks.SETUP_CELL)
    magics = []
    shell = types.SimpleNamespace(run_line_magic=lambda *args: magics.append(args[:2]))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: find_spec(name, *a) if installed or name != "common" else None,
    )
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    namespace = {"get_ipython": lambda: shell}
    exec(code, namespace)
    url = notebooks.repository_url()
    assert magics == ([("pip", f'install -q "tfat-common[colab] @ git+{url}"')] if installs else [])
    assert namespace["common"].__name__ == "common"
