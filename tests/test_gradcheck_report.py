"""How a gradcheck report prints: the same text on every machine, the exact figures on request."""
import numpy as np
import pytest

import edulayers as el
from edulayers.gradcheck import error_display


@pytest.mark.parametrize("error, shown", [
    (0.0, "< 1e-08"),               # exact on one kernel, 1e-17 on another
    (6.93e-10, "< 1e-08"),          # the two values the issue saw for one cell on two CPUs
    (1.03e-09, "< 1e-08"),
    (9.9e-09, "< 1e-08"),
    (1.2e-08, "~1e-08"),
    (3.0e-07, "~1e-07"),            # the nearest power of ten
    (5.0e-07, "~1e-06"),
    (1.0e-06, "~1e-06"),            # at the tolerance: still a pass, shown as its magnitude
    (3.14159e-02, "3.1e-02"),       # a failure: two digits
    (2.0, "2.0e+00"),
])
def test_error_display_buckets(error, shown):
    assert error_display(error, 1e-6) == shown


def test_error_display_follows_the_tolerance():
    assert error_display(5e-7, 1e-4) == "< 1e-06"
    assert error_display(5e-5, 1e-4) == "~1e-04"


def test_report_prints_stable_buckets_and_keeps_exact_numbers(rng):
    layer = el.layers.Dense(3, dtype="float64")
    x = rng.standard_normal((4, 5))
    report = el.gradcheck(layer, x)
    text = str(report)
    assert report.ok and "PASSED" in text
    assert "max abs err" not in text and text.count("< 1e-08") == 3
    exact = report.table(exact=True)
    assert "max abs err" in exact
    for t in report.tensors:
        assert 0 < t.rel_error < 1e-8
        assert f"{t.rel_error:.2e}" in exact


def test_a_wrong_gradient_prints_its_error_and_where(rng):
    class DoubledDx(el.layers.Dense):
        def backward(self, dy):
            return 2 * super().backward(dy)

    report = el.gradcheck(DoubledDx(3, dtype="float64"), rng.standard_normal((4, 5)))
    assert not report.ok
    dx_line = next(line for line in str(report).splitlines() if line.strip().startswith("dx"))
    # twice the gradient: |2g - g| / max(|2g|, |g|) = 0.5, whatever the machine
    assert "5.0e-01" in dx_line and "<-- worst at" in dx_line
    assert np.isclose(report["dx"].rel_error, 0.5)
