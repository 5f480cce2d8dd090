"""Argument checks at the boundary of ``common``'s public functions: each returns the
value in a plain Python type or raises a ``ValueError`` that names the argument and says
what it must be, with the value it got."""

from __future__ import annotations

import numbers


def positive_int(name: str, value, *, minimum: int = 1, allow_none: bool = False):
    """``value`` as an ``int`` of at least ``minimum`` (``None`` passes when ``allow_none``).

    Booleans are refused (``True`` is an ``int`` in Python, never a count here).
    """
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")
        raise ValueError(f"{name} must be {what}{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def positive_number(name: str, value) -> float:
    """``value`` as a ``float`` greater than 0 (booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def fraction(name: str, value, *, low: float = 0.0, high: float = 1.0, closed: bool = False):
    """``value`` as a ``float`` in ``[low, high)`` (``[low, high]`` when ``closed``)."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and low <= value
        and (value <= high if closed else value < high)
    )
    if not ok:
        bounds = f"[{low:g}, {high:g}{']' if closed else ')'}"
        raise ValueError(f"{name} must be a number in {bounds}, got {value!r}")
    return float(value)


def number_pair(name: str, pair, kind=float) -> tuple:
    """``pair`` as ``(low, high)`` of ``kind`` with ``low <= high``."""
    try:
        low, high = (kind(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (min, max) pair of numbers, got {pair!r}") from None
    if low > high:
        raise ValueError(f"{name} must have min <= max, got {pair!r}")
    return low, high


def image_list(images) -> list:
    """``images`` (a list of ``(H, W)`` / ``(H, W, C)`` arrays, or one such array, or an
    ``(N, H, W, C)`` stack) as a non-empty list of NumPy arrays."""
    import numpy as np

    if isinstance(images, np.ndarray) and images.ndim in (3, 4) and images.shape[-1] in (1, 3):
        images = list(images) if images.ndim == 4 else [images]
    try:
        out = [np.asarray(i) for i in images]
    except TypeError:
        raise TypeError("images must be a list or array of images") from None
    if not out:
        raise ValueError("images must hold at least one image")
    for i, image in enumerate(out):
        if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
            raise ValueError(f"images[{i}] must be (H, W) or (H, W, C), got {image.shape}")
    return out
