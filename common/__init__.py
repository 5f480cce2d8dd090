"""Shared, tested helpers of the Advanced TensorFlow notebooks.

Modules (one concern each): ``env`` (mode, settings, seeding), ``data`` (datasets and
their offline stand-ins), ``strategy`` (distribution strategies), ``training`` (the custom
training loop), ``losses``, ``layers`` and ``models`` (the course's Keras pieces),
``metrics`` (segmentation and heatmap scores), ``boxes`` (box formats, IoU, anchors, NMS),
``hub_models`` and ``standins`` (TF Hub models and their local smoke stand-ins), ``detection``
(few-shot RetinaNet), ``interpret`` (CAM, saliency, Grad-CAM), ``viz`` (figures) and
``notebooks`` (executing the notebooks headless).

Submodules load on first use (``from common import losses`` or ``common.losses``), so
``import common`` alone does not import TensorFlow or Keras.
"""

import importlib

__all__ = [
    "boxes",
    "data",
    "detection",
    "env",
    "hub_models",
    "interpret",
    "layers",
    "losses",
    "metrics",
    "models",
    "standins",
    "strategy",
    "training",
    "viz",
]
__version__ = "0.1.0"


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"common.{name}")
    raise AttributeError(f"module 'common' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
