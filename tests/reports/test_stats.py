import math

import pytest

from reports.stats import holm, mean_interval, welch_p


def test_t_interval_half_width_is_the_tabulated_quantile_times_the_standard_error():
    # n = 3: t_{0.975, 2} = 4.302653 (Student t table); s = 1, so the half-width is 4.302653 / sqrt(3).
    mean, low, high = mean_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert (high - low) / 2 == pytest.approx(4.302653 / math.sqrt(3), abs=1e-6)
    # n = 2: t_{0.975, 1} = 12.7062; s = sqrt(2) * 1, standard error 1.
    mean, low, high = mean_interval([10.0, 12.0])
    assert (mean, high - mean) == (11.0, pytest.approx(12.7062, abs=1e-4))
    assert (mean - low) == pytest.approx(high - mean)
    # a 90 % interval uses t_{0.95, 2} = 2.919986
    _, low, high = mean_interval([1.0, 2.0, 3.0], confidence=0.90)
    assert (high - low) / 2 == pytest.approx(2.919986 / math.sqrt(3), abs=1e-6)


def test_one_value_has_no_interval():
    mean, low, high = mean_interval([4.0])
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)


def test_bootstrap_interval_of_two_values_by_enumeration():
    # resampling {0, 1} twice gives means 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4: the 2.5 % and 97.5 %
    # percentiles are 0 and 1, the 30 % and 70 % percentiles (a 40 % interval) both 1/2.
    assert mean_interval([0.0, 1.0], "bootstrap") == (0.5, 0.0, 1.0)
    assert mean_interval([0.0, 1.0], "bootstrap", confidence=0.4) == (0.5, 0.5, 0.5)


def test_welch_p_value_matches_the_textbook_example():
    # Wikipedia, "Welch's t-test", example 1: t = -2.46, nu = 24.9, p = 0.021.
    a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    assert welch_p(a, b) == pytest.approx(0.021, abs=5e-4)


def test_welch_p_value_in_closed_form_for_two_degrees_of_freedom():
    # n = 2 per group with equal variances: nu = 2, where the t CDF is 1/2 + t / (2 sqrt(2 + t^2)), so the
    # two-sided p is 1 - |t| / sqrt(2 + t^2); here t = (1 - 4) / sqrt(2/2 + 2/2).
    t = 3 / math.sqrt(2)
    assert welch_p([0.0, 2.0], [3.0, 5.0]) == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9)


def test_welch_p_is_undefined_without_spread_or_repeats():
    assert math.isnan(welch_p([1.0], [2.0, 3.0]))
    assert math.isnan(welch_p([1.0, 1.0], [2.0, 2.0]))


def test_holm_step_down_on_a_small_example():
    # sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> max so far 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    adjusted = holm([math.nan, 0.02, 0.04, 0.6])  # NaN is no test: m = 3
    assert math.isnan(adjusted[0]) and adjusted[1:] == pytest.approx([0.06, 0.08, 0.6])
    assert holm([0.5, 0.9]) == [1.0, 1.0]  # capped at 1
