"""A deliberately wrong answer for each exercise of each graded notebook:
``{notebook file name: [(exercise, text in the solution, wrong text), ...]}``. The text
must occur in exactly one cell with a solution region; grading the mutated notebook must
score 0 on that exercise and full marks on the others."""

MUTATIONS: dict[str, list[tuple[str, str, str]]] = {}
