"""``python -m common.grading editions [--check]`` and ``python -m common.grading grade PATH``
(see :mod:`common.grading.editions` and :mod:`common.grading.grader`)."""

import argparse
import sys

from common.grading import editions, grader


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.grading")
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("editions", help="write the exercise editions")
    write.add_argument("--check", action="store_true", help="only report stale editions")
    grade = commands.add_parser(
        "grade",
        help="grade a notebook, one score per exercise",
        description="Exit status: 0 at or above the pass mark, 1 below it, 3 refused.",
    )
    grade.add_argument("path")
    grade.add_argument(
        "--assignment",
        "--solution",
        dest="assignment",
        help="which assignment it is: a name such as C2_W1 or the solved notebook's path",
    )
    grade.add_argument("--pass-mark", type=float, default=grader.PASS_MARK)
    grade.add_argument("--timeout", type=float, default=grader.TIMEOUT, help="seconds per cell")
    grade.add_argument("--limit", type=float, default=grader.LIMIT, help="seconds for the run")
    grade.add_argument("--no-feedback", action="store_true", help="write no feedback files")
    args = parser.parse_args(argv)
    if args.command == "grade":
        return grader.main(
            args.path,
            args.assignment or None,
            args.pass_mark,
            args.timeout,
            args.limit,
            write=not args.no_feedback,
        )
    stale = editions.write_editions(check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    if args.check and stale:
        print("run `python -m common.grading editions` and commit the editions")
    return int(args.check and bool(stale))


if __name__ == "__main__":
    sys.exit(main())
