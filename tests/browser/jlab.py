"""What a person does in JupyterLab, as Playwright steps: open a notebook, select and run
cells with the menus and the keyboard, type into a cell, read what the page shows, and a
screenshot of each step (build/browser/<scenario>-<step>-<what>.png)."""

from __future__ import annotations

import re

from tests.browser.conftest import OUT

RUN_SECONDS = 240  # the longest a group of cells may run (a smoke notebook: well under)
# True once no cell of the open notebook is queued or running ([*]) and the kernel is idle.
IDLE = r"""() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const busy = [...panel.querySelectorAll('.jp-InputPrompt')]
    .some(p => p.textContent.includes('*'));
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const bar = document.querySelector('#jp-main-statusbar');  // "Python 3 (ipykernel) | Idle"
  return !busy && !!status && status.dataset.status === 'idle'
    && !!bar && /\| Idle/.test(bar.textContent);
}"""
ERROR = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b.*:", re.M)


class Notebook:
    """A notebook open in JupyterLab on ``page``; ``scenario`` names its screenshots."""

    def __init__(self, page, server, scenario: str):
        self.page, self.server, self.scenario = page, server, scenario
        self.steps = 0
        self.shots: list[str] = []

    # ------------------------------------------------------------------ seeing

    def shot(self, what: str, *, target=None) -> str:
        """Screenshot of the page (or of ``target``, a locator) as the next step."""
        self.steps += 1
        path = OUT / f"{self.scenario}-{self.steps:02d}-{what}.png"
        (target or self.page).screenshot(path=path)
        self.shots.append(path.name)
        return path.name

    @property
    def cells(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def output_text(self, index: int) -> str:
        """The text of cell ``index``'s outputs, as the page holds it."""
        outputs = self.cells.nth(index).locator(".jp-OutputArea-output")
        return "\n".join(outputs.all_text_contents())

    def errors(self) -> list[str]:
        """The error outputs (tracebacks) anywhere in the notebook."""
        found = []
        for i in range(self.cells.count()):
            text = self.output_text(i)
            if ERROR.search(text):
                found.append(f"cell {i}: {text.strip()[-600:]}")
        return found

    def dialogs(self) -> list[str]:
        """The text of any modal dialog (e.g. "Select Kernel") over the page."""
        return self.page.locator(".jp-Dialog").all_text_contents()

    # ------------------------------------------------------------------ doing

    def open(self, relative: str) -> None:
        """Open the notebook at ``relative`` (to the served root) and wait for its kernel."""
        url = f"{self.server.url}/lab/tree/{relative}?reset&token={self.server.token}"
        self.page.goto(url, timeout=120_000)  # reset: a fresh workspace, no earlier tabs
        self.cells.first.wait_for(timeout=120_000)
        self.wait_idle()

    def wait_idle(self, seconds: float = RUN_SECONDS) -> None:
        """Wait until no cell runs and the kernel is idle."""
        self.page.wait_for_function(IDLE, timeout=seconds * 1000, polling=250)

    def settle(self) -> None:
        """Let the kernel catch up with mouse and key events (it redraws the figure)."""
        for _ in range(2):
            self.page.wait_for_timeout(500)
            self.wait_idle(60)

    def select(self, index: int) -> None:
        """Select cell ``index`` by clicking left of its input (command mode)."""
        cell = self.cells.nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()

    def menu(self, top: str, item: str) -> None:
        """Click ``top`` in the menu bar, then ``item`` in its menu."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run(self, index: int) -> None:
        """Select cell ``index`` and run it (Ctrl+Enter), then wait for it."""
        self.select(index)
        self.page.keyboard.press("Control+Enter")
        self.wait_idle()

    def run_all_above(self, index: int) -> None:
        """Run > Run All Above Selected Cell, with cell ``index`` selected."""
        self.select(index)
        self.menu("Run", "Run All Above Selected Cell")
        self.wait_idle()

    def run_from(self, index: int) -> None:
        """Run > Run Selected Cell and All Below, from cell ``index``."""
        self.select(index)
        self.menu("Run", "Run Selected Cell and All Below")
        self.wait_idle()

    def run_all(self) -> None:
        """Run > Run All Cells."""
        self.menu("Run", "Run All Cells")
        self.wait_idle()

    def replace_line(self, index: int, old: str, new: str) -> None:
        """In cell ``index``, select the line holding ``old`` (from its indentation to its
        end) and type ``new`` over it, as a person would; back to command mode."""
        line = self.cells.nth(index).locator(".cm-line", has_text=old).first
        line.scroll_into_view_if_needed()
        line.click()
        self.page.keyboard.press("Home")
        self.page.keyboard.press("Shift+End")
        self.page.keyboard.type(new, delay=15)
        self.page.keyboard.press("Escape")

    def insert_below(self, index: int, code: str) -> int:
        """Add a code cell below cell ``index`` (key B), type ``code`` into it; its index."""
        self.select(index)
        self.page.keyboard.press("b")
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Escape")
        return index + 1
