"""What the notebooks' setup cell runs on Colab after installing ``common`` (``--no-deps``,
so that Colab keeps the TensorFlow it ships)::

    python -m common.colab

It installs the packages of the ``colab`` extra (``pyproject.toml``: what Colab lacks or
ships broken), read from this package's installed metadata, and checks that
tensorflow-datasets imports. Colab's stack fails there as shipped: tensorflow-metadata
1.21 needs protobuf >= 6.31 and Colab has protobuf 5.29; tensorflow-metadata 1.17.1 works
with it (and nothing has imported tensorflow-datasets yet, so no restart is needed).

Exit status 0 when all is well; otherwise it prints what failed and what to do.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

DISTRIBUTION = "tfat-common"


def colab_requirements(distribution: str = DISTRIBUTION) -> list[str]:
    """The requirement strings of the ``colab`` extra of the installed ``distribution``."""
    wanted = []
    for requirement in metadata.requires(distribution) or []:
        spec, _, marker = requirement.partition(";")
        if re.search(r"""extra\s*==\s*["']colab["']""", marker):
            wanted.append(spec.strip())
    return wanted


def check_tfds(python: str = sys.executable) -> str | None:
    """``None`` when ``import tensorflow_datasets`` works in a fresh ``python``, else the
    last line of its error."""
    code = "import tensorflow_datasets"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def main() -> int:
    requirements = colab_requirements()
    if not requirements:
        print(f"{DISTRIBUTION} declares no 'colab' extra: is it installed?", file=sys.stderr)
        return 1
    pip = [sys.executable, "-m", "pip", "install", "-q", *requirements]
    if subprocess.run(pip).returncode != 0:
        print(f"pip could not install {requirements} (see above)", file=sys.stderr)
        return 1
    error = check_tfds()
    if error:
        print(
            f"tensorflow-datasets still does not import ({error}). Restart the runtime "
            "(Runtime > Restart session) and run the setup cell again; or use "
            "TFAT_MODE=smoke, which needs no tensorflow-datasets.",
            file=sys.stderr,
        )
        return 1
    print(f"common is installed, with {', '.join(requirements)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
