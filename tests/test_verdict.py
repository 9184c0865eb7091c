"""The bias/variance verdict (glassnet.experiments.verdict) on the lecture's own examples, its thresholds, and the
per-λ curves over epochs of SweepResults."""

from __future__ import annotations

import pytest

from glassnet.experiments import SweepResults
from glassnet.experiments.verdict import diagnose


def fits(train: float, val: float, spread: float = 0.0, n: int = 4) -> list[dict]:
    """n records with these mean errors; the validation errors spread ±spread around ``val``."""
    return [{"train_error": train, "val_error": val + (spread if i % 2 else -spread)} for i in range(n)]


@pytest.mark.parametrize("train, val, verdict", [
    (0.108, 0.148, "high variance"),                   # the lecture: baseline 10.6 %, J_train 10.8 %, J_cv 14.8 %
    (0.150, 0.155, "high bias"),                       # J_train 15.0 %, J_cv 15.5 %
    (0.150, 0.197, "high bias and high variance"),     # J_train 15.0 %, J_cv 19.7 %
    (0.110, 0.120, "fine"),
])
def test_the_lectures_examples(train, val, verdict):
    row = diagnose([("λ", fits(train, val))], baseline=0.106).rows[0]
    assert row.verdict == verdict
    assert row.bias_gap == pytest.approx(train - 0.106) and row.variance_gap == pytest.approx(val - train)
    advice = {"high variance": "increase λ", "high bias": "decrease λ", "fine": "neither fix"}
    for key, words in advice.items():
        assert (words in row.advice) == (key in verdict or (key == "fine" and verdict == "fine"))


def test_a_gap_inside_the_noise_is_not_high_variance():
    noisy = diagnose([("λ", fits(0.0, 0.05, spread=0.2))]).rows[0]   # gap 0.05 > 0.02, but sem ≈ 0.115
    assert noisy.variance_gap == pytest.approx(0.05) and noisy.variance_sem > 0.1 and not noisy.high_variance
    steady = diagnose([("λ", fits(0.0, 0.05, spread=0.001))]).rows[0]
    assert steady.high_variance


def test_data_loss_uses_a_relative_tolerance_and_tolerance_can_be_given():
    records = [{"train_data_loss": 1.0, "val_data_loss": 1.05}, {"train_data_loss": 1.0, "val_data_loss": 1.07}]
    row = diagnose([("λ", records)]).rows[0]
    assert row.quantity == "data_loss" and row.tolerance == pytest.approx(0.106) and row.verdict == "high bias"
    assert diagnose([("λ", records)], tolerance=2.0).rows[0].verdict == "fine"
    assert "data loss J_train 1" in row.text()


def test_bad_verdict_arguments_are_refused():
    with pytest.raises(ValueError, match="Argument `baseline` must be a finite number ≥ 0"):
        diagnose([("λ", fits(0.1, 0.1))], baseline=-1)
    with pytest.raises(TypeError, match="Argument `tolerance` must be a finite number ≥ 0"):
        diagnose([("λ", fits(0.1, 0.1))], tolerance="big")
    with pytest.raises(ValueError, match="A verdict needs fits to read"):
        diagnose([])
    with pytest.raises(ValueError, match="train_error/val_error or train_data_loss/val_data_loss"):
        diagnose([("λ", [{"train_mse": 1.0}])])
    with pytest.raises(KeyError, match="No diagnosis for 7"):
        diagnose([("λ", fits(0.1, 0.1))])[7]


def sweep() -> SweepResults:
    records = []
    for value, train, val, curve in ((0.0, 0.0, 0.06, [0.5, 0.2, 0.3]), (0.1, 0.015, 0.03, [0.6, 0.4, 0.35]),
                                     (1.0, 0.2, 0.21, [0.7, 0.6, 0.6])):
        for fold in range(3):
            records.append({"value": value, "fold": fold, "seed": 0, "train_error": train,
                            "val_error": val + 0.001 * fold, "history": {"val_data_loss": [v + fold for v in curve]}})
    return SweepResults("lambda", [0.0, 0.1, 1.0], records)


def test_a_sweep_reads_as_variance_then_fine_then_bias():
    verdict = sweep().verdict()
    assert [row.verdict for row in verdict.rows] == ["high variance", "fine", "high bias"]
    assert verdict[0.1].label == 0.1 and "0.1: fine" in str(verdict)
    assert [row["verdict"] for row in verdict.to_dict()] == ["high variance", "fine", "high bias"]


def test_epoch_curves_are_the_per_lambda_means():
    curves = sweep().epoch_curves()
    assert list(curves) == [0.0, 0.1, 1.0]
    assert curves[0.0] == pytest.approx([1.5, 1.2, 1.3])   # folds add 0, 1, 2: the mean adds 1
    with pytest.raises(ValueError, match="No fit of value 0.0 has history key 'val_loss'"):
        sweep().epoch_curves("val_loss")
    with pytest.raises(TypeError, match="Argument `key` must be a History key"):
        sweep().epoch_curves(3)
