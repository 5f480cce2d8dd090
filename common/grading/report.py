"""What a grade says: one :class:`Score` per exercise, the table that ``make grade`` and the
editions' last cell print, and the feedback files written beside a graded notebook (JSON
for tools, a small HTML page for people), as nbgrader and Coursera give feedback."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

PASS_MARK = 0.8
RESULT_MIME = "application/vnd.tfat.grade+json"
MESSAGE_WIDTH = 160  # a failed test's message is cut to this many characters in the table


@dataclass
class Score:
    """The grade of one exercise: ``passed`` of ``total`` tests; ``failed`` names the failed
    tests and ``messages`` says what each found ("expected shape (3, 3), got (9,)");
    ``note`` explains a score that no test gave ("not implemented", "timed out after 10 s");
    ``cells`` are notes on the learner's own cells (a crash, with its place in their file)."""

    exercise: str
    passed: int = 0
    total: int = 0
    note: str = ""
    failed: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    cells: list = field(default_factory=list)

    @property
    def points(self) -> int:
        return int(self.total > 0 and self.passed == self.total and not self.note)

    @classmethod
    def from_results(cls, name: str, results) -> Score:
        """From ``[(test, passed, message), ...]``; a failed "implemented" test becomes the
        note "not implemented"."""
        failed = [(str(t), str(m)) for t, ok, m in results if not ok]
        score = cls(
            name,
            passed=len(results) - len(failed),
            total=len(results),
            failed=[t for t, _ in failed],
            messages=[f"{t}: {m}" if m else t for t, m in failed],
        )
        if "implemented" in score.failed:
            score.note = "not implemented"
        return score


def _row_note(score: Score) -> str:
    if score.note:
        return score.note
    return f"failed: {', '.join(score.failed)}" if score.failed else ""


def table(scores: list[Score], pass_mark: float = PASS_MARK) -> tuple[str, bool]:
    """The printed report (a row per exercise, the failed tests' messages under it, a
    total), and whether the total reaches ``pass_mark``."""
    width = max([len(s.exercise) for s in scores] + [8])
    rows = [f"{'exercise':<{width}}  tests  score  notes"]
    for s in scores:
        tests = f"{s.passed:>2}/{s.total:<2}" if s.total else "  -  "
        rows.append(f"{s.exercise:<{width}}  {tests}  {s.points:>3}/1  {_row_note(s)}".rstrip())
        if s.note != "not implemented":
            for line in [*s.messages, *s.cells]:
                text = line if len(line) <= MESSAGE_WIDTH else line[: MESSAGE_WIDTH - 1] + "…"
                rows.append(f"{'':<{width}}    - {text}")
    got, total = sum(s.points for s in scores), len(scores)
    ok = total > 0 and got / total >= pass_mark
    verdict = "PASS" if ok else "FAIL"
    rows.append(
        f"{'total':<{width}}         {got:>3}/{total}  {verdict} (pass mark {pass_mark:.0%})"
    )
    return "\n".join(rows), ok


def feedback(
    scores, *, assignment: str, notebook: str, identified: str, notes=(), pass_mark=PASS_MARK
) -> dict:
    """The grade as JSON-ready data (what the feedback files hold)."""
    text, ok = table(scores, pass_mark)
    return {
        "assignment": assignment,
        "notebook": notebook,
        "identified_by": identified,
        "score": sum(s.points for s in scores),
        "max_score": len(scores),
        "pass_mark": pass_mark,
        "passed": ok,
        "exercises": [asdict(s) | {"points": s.points} for s in scores],
        "notes": list(notes),
        "table": text,
    }


def write_feedback(data: dict, notebook: Path) -> tuple[Path, Path]:
    """Write ``<notebook stem>.feedback.json`` and ``.feedback.html`` beside ``notebook``."""
    notebook = Path(notebook)
    json_path = notebook.with_name(notebook.stem + ".feedback.json")
    html_path = notebook.with_name(notebook.stem + ".feedback.html")
    json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(_html(data), encoding="utf-8")
    return json_path, html_path


def _html(data: dict) -> str:
    e = html.escape
    rows = []
    for s in data["exercises"]:
        shown = [] if s["note"] == "not implemented" else [*s["messages"], *s["cells"]]
        details = "".join(f"<li>{e(m)}</li>" for m in shown)
        note = s["note"] or (f"failed: {', '.join(s['failed'])}" if s["failed"] else "")
        colour = "#e6f4ea" if s["points"] else "#fce8e6"
        rows.append(
            f'<tr style="background:{colour}"><td><code>{e(s["exercise"])}</code></td>'
            f"<td>{s['passed']}/{s['total']}</td><td>{s['points']}/1</td>"
            f"<td>{e(note)}{f'<ul>{details}</ul>' if details else ''}</td></tr>"
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in data["notes"])
    verdict = "PASS" if data["passed"] else "below the pass mark"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Feedback: {e(data['assignment'])}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td,th{padding:.3em .6em;vertical-align:top;text-align:left}"
        "table{border-collapse:collapse}ul{margin:.2em 0}</style></head><body>"
        f"<h1>{e(data['assignment'])}</h1>"
        f"<p>Graded <code>{e(data['notebook'])}</code> (identified by {e(data['identified_by'])}).</p>"
        f"<p><b>{data['score']}/{data['max_score']}</b>: {verdict} "
        f"(pass mark {data['pass_mark']:.0%}).</p>"
        "<table><tr><th>exercise</th><th>tests</th><th>score</th><th>what the tests found</th></tr>"
        + "".join(rows)
        + "</table>"
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "</body></html>\n"
    )
