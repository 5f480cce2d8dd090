"""Import the ``google.colab`` stand-in at start-up, as Colab's kernels have it imported."""

import google.colab  # noqa: F401
