"""Vietnamese number style for every kind of number a report formats."""
from fractions import Fraction

import numpy as np
import pytest

from cchc_lib.fmt import count_vi, number_vi, percent_vi, points_vi


@pytest.mark.parametrize("value, text", [
    (1.455, "1,46"), (Fraction(291, 200), "1,46"), (np.float64(1.455), "1,46"), (np.float32(2.5), "2,50"),
    (0, "0,00"), (24.55, "24,55"), (-0.125, "-0,13"),
])
def test_points(value, text):
    assert points_vi(value) == text


@pytest.mark.parametrize("value, text", [
    (0.965, "96,5%"), (np.float64(0.965), "96,5%"), (Fraction(57, 60), "95,0%"), (1, "100,0%"), (None, "–"),
])
def test_percent(value, text):
    assert percent_vi(value) == text


@pytest.mark.parametrize("value, text", [(1234, "1.234"), (np.int64(1234567), "1.234.567"), (12, "12")])
def test_counts(value, text):
    assert count_vi(value) == text
    assert number_vi(value, 0) == text
