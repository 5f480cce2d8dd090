"""Shared, tested helpers of the Advanced TensorFlow notebooks.

Modules (one concern each): ``env`` (mode, settings, seeding), ``data`` (datasets and
their offline stand-ins), ``strategy`` (distribution strategies), ``losses``, ``viz``
(figures) and ``notebooks`` (executing the notebooks headless).

Importing ``common`` does not import TensorFlow; the functions that need it do.
"""

from common import data, env, losses, strategy, viz

__all__ = ["data", "env", "losses", "strategy", "viz"]
__version__ = "0.1.0"
