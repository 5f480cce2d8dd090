import numpy as np
import pytest

from common import checks


def test_positive_int_names_the_argument_and_the_bound():
    assert checks.positive_int("n", 3) == 3 and checks.positive_int("n", np.int64(2)) == 2
    assert checks.positive_int("n", None, allow_none=True) is None
    for bad, word in [(0, "positive int"), (True, "positive int"), (2.0, "positive int")]:
        with pytest.raises(ValueError, match=f"n must be a {word}, got {bad!r}"):
            checks.positive_int("n", bad)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        checks.positive_int("seed", -1, minimum=0)
    with pytest.raises(ValueError, match="size must be an int >= 16 or None"):
        checks.positive_int("size", 8, minimum=16, allow_none=True)


def test_numbers_fractions_and_pairs():
    assert checks.positive_number("t", 2) == 2.0
    with pytest.raises(ValueError, match="t must be a positive number"):
        checks.positive_number("t", 0)
    assert checks.fraction("d", 0.0) == 0.0 and checks.fraction("d", 1, closed=True) == 1.0
    with pytest.raises(ValueError, match=r"d must be a number in \[0, 1\)"):
        checks.fraction("d", 1)
    assert checks.number_pair("r", (1, 3), int) == (1, 3)
    with pytest.raises(ValueError, match="min <= max"):
        checks.number_pair("r", (3, 1))
    with pytest.raises(ValueError, match="pair of numbers"):
        checks.number_pair("r", "ab")
