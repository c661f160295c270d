import math

import numpy as np
import pytest

from memgan_bench.metrics.continual import (average_score, backward_transfer, forgetting_last, forgetting_max,
                                            summary)

nan = float("nan")
# R[i, j]: score on task j after experience i
R = np.array([
    [0.9, nan, nan],
    [0.5, 0.8, nan],
    [0.7, 0.2, 1.0],
])


def test_forgetting_definitions_on_a_hand_made_matrix():
    assert forgetting_max(R, 0).size == 0
    np.testing.assert_allclose(forgetting_max(R, 1), [0.4])
    # task 0: best earlier 0.9 → now 0.7; task 1: best earlier 0.8 → now 0.2
    np.testing.assert_allclose(forgetting_max(R, 2), [0.2, 0.6])
    np.testing.assert_allclose(forgetting_last(R, 2), [0.2, 0.6])
    assert backward_transfer(R, 2) == pytest.approx(-0.4)
    assert average_score(R, 2) == pytest.approx(1.9 / 3)


def test_max_based_and_avalanche_forgetting_differ_when_a_task_recovers():
    # task 0 drops to 0.3 then recovers to 0.6: max-based counts from the peak (0.9), Avalanche from
    # the score right after learning it (0.5 here, learnt at experience 0)
    R2 = np.array([[0.5, nan, nan], [0.9, 1.0, nan], [0.6, 1.0, 1.0]])
    np.testing.assert_allclose(forgetting_max(R2, 2), [0.3, 0.0])
    np.testing.assert_allclose(forgetting_last(R2, 2), [-0.1, 0.0])
    assert backward_transfer(R2, 2) == pytest.approx(0.05)


def test_fid_like_scores_flip_sign():
    fid = np.array([[20.0, nan], [35.0, 25.0]])  # FID of task 0 rose from 20 to 35: forgetting +15
    np.testing.assert_allclose(forgetting_max(fid, 1, higher_is_better=False), [15.0])
    assert backward_transfer(fid, 1, higher_is_better=False) == pytest.approx(-15.0)


def test_summary_defaults_to_the_last_experience_and_is_nan_with_nothing_past():
    s = summary(R)
    assert s == pytest.approx({"average": 1.9 / 3, "forgetting_max": 0.4, "forgetting_last": 0.4, "bwt": -0.4})
    first = summary(R, 0)
    assert first["average"] == pytest.approx(0.9) and math.isnan(first["bwt"]) and math.isnan(first["forgetting_max"])


def test_non_square_matrix_is_rejected():
    with pytest.raises(ValueError):
        forgetting_max(np.zeros((2, 3)), 1)
