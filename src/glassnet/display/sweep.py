"""How a :class:`~glassnet.experiments.SweepResults` shows itself: a one-line ``repr`` (never its records) and, in
a notebook, the chosen λ, the curve and the summary table. The HTML report
(:func:`glassnet.experiments.write_report`) builds its table and its choice from the same functions.

Every strength names its convention (``SweepResults.strength_text``: 'Keras l2 = 0.01 (lecture λ = 7.28 for
m = 364)'), and the table gives the lecture's λ beside the swept value when m is known.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .chart import BEST, ONE_SE, TRAIN, VALIDATION, Line, line_chart, log_positions
from .elements import card, escape, one_line, table

if TYPE_CHECKING:
    from ..experiments.results import SweepResults


def _short(value: Any) -> str:
    """4 significant digits; 'n/a' for a missing (NaN) summary value."""
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4g}"


def _mean_std(row: dict[str, Any], key: str) -> str:
    mean, std = row.get(f"{key}_mean"), row.get(f"{key}_std")
    if std is None or (isinstance(std, float) and math.isnan(std)):
        return _short(mean)
    return f"{_short(mean)} ± {_short(std)}"


def _headline_key(results: SweepResults) -> tuple[str, str] | None:
    """The validation metric column: the error for classifiers, else the sweep's metric, else the MSE."""
    keys = results.metric_keys()
    candidates = [("val_error", "val error (1 − accuracy)")]
    if results.metric:
        candidates.append((f"val_{results.metric}", f"val {results.metric}"))
    candidates.append(("val_mse", "val MSE"))
    return next(((key, label) for key, label in candidates if key in keys), None)


def chooses_lambda(results: SweepResults) -> bool:
    """Whether the results can choose λ: a validation curve whose records hold the validation data loss."""
    return results.param == "lambda" and "val_data_loss" in results.metric_keys()


def chosen(results: SweepResults) -> tuple[Any, Any] | None:
    """(best λ, 1-SE λ), or None when the results choose none (a learning curve, no validation data loss, or no
    λ with a finite mean: every fit diverged)."""
    if not chooses_lambda(results):
        return None
    try:
        return results.best_lambda, results.best_lambda_1se
    except ValueError:
        return None


def summary_table(results: SweepResults) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, row classes) of the summary: per swept value, mean ± std over folds × seeds of the data
    losses, the validation metric, the penalty and each kernel norm; the best and the 1-SE λ marked."""
    keys = results.metric_keys()
    columns = [(key, label) for key, label in (("train_data_loss", "train data loss J_train"),
                                               ("val_data_loss", "val data loss J_cv")) if key in keys]
    headline = _headline_key(results)
    if headline is not None:
        columns.append(headline)
    if "train_penalty_loss" in keys:
        columns.append(("train_penalty_loss", "penalty Σ reg(W)"))
    columns += [(key, f"‖W‖ {key[len('norm/'):]}") for key in keys if key.startswith("norm/")]

    is_lambda = chooses_lambda(results)
    picks = chosen(results)
    choice: dict[Any, list[str]] = {}
    if picks is not None:
        choice = {picks[0]: ["best"]}
        choice.setdefault(picks[1], []).append("1-SE")
    lecture = results.param == "lambda" and results.convention != "lecture" and results.training_rows is not None
    rows, classes = [], []
    for row in results.summary():
        marks = choice.get(row["value"], [])
        lam = results.lecture_lambda(row["value"]) if lecture else None
        rows.append([f"{row['value']:g}"] + ([f"{lam:.4g}" if lam is not None else "-"] if lecture else [])
                    + [str(row["n"])] + [_mean_std(row, key) for key, _ in columns]
                    + ([", ".join(marks)] if is_lambda else []))
        classes.append(" ".join({"best": "best", "1-SE": "one-se"}[mark] for mark in marks))
    name = results.strength_label if results.param == "lambda" else "training rows m"
    header = [name] + ([f"lecture λ (m = {results.training_rows})"] if lecture else []) + ["fits n"] \
        + [label for _, label in columns] + (["chosen"] if is_lambda else [])
    return header, rows, classes


def choice_sentences(results: SweepResults) -> list[str]:
    """The best λ and the one-standard-error λ, with the numbers that pick them (or why none is chosen)."""
    if results.param != "lambda":
        return ["This is a learning curve (param = train_size): choosing λ needs a validation curve."]
    if not chooses_lambda(results):
        return ["The records hold no val_data_loss, so no λ is chosen."]
    picks = chosen(results)
    if picks is None:
        return ["No λ has a finite mean validation data loss (did every fit diverge?), so no λ is chosen."]
    rows = {row["value"]: row for row in results.summary()}
    best, one_se = picks
    mean, sem = rows[best]["val_data_loss_mean"], rows[best]["val_data_loss_sem"]
    return [(f"Best λ: {results.strength_text(best)}, the lowest mean validation data loss, J_cv = "
             f"{_short(mean)} (standard error {_short(sem)} over {rows[best]['n']} fits)."),
            (f"1-SE λ: {results.strength_text(one_se)}, the largest λ whose mean J_cv ≤ {_short(mean)} + "
             f"{_short(sem)} = {_short(mean + sem)} (J_cv there: {_short(rows[one_se]['val_data_loss_mean'])}). "
             "A smaller difference is within the noise of the estimate, so the simpler, more regularized model is "
             "as good.")]


def sweep_repr(results: SweepResults) -> str:
    """``<SweepResults: validation curve over Keras l2, 5 values × 3 fits; best Keras l2 = 0.01 (…)>``."""
    kind = f"validation curve over {results.strength_label}" if results.param == "lambda" else "learning curve"
    text = f"<SweepResults: {kind}, {len(results.values)} values, {len(results.records)} fits"
    picks = chosen(results)
    if picks is not None:
        text += f"; best {results.strength_text(picks[0])}, 1-SE {results.strength_text(picks[1])}"
    return one_line(text + ">")


def _chart(results: SweepResults) -> str:
    keys = results.metric_keys()
    summary = results.summary()
    if not summary:
        return ""
    is_lambda = results.param == "lambda"
    positions, zero_at = log_positions(results.values) if is_lambda else ([float(v) for v in results.values], None)
    lines = [Line(f"{name} data loss (mean over fits)", positions, [row[f"{prefix}_data_loss_mean"] for row in summary],
                  color, markers=True)
             for name, prefix, color in (("train", "train", TRAIN), ("validation", "val", VALIDATION))
             if f"{prefix}_data_loss" in keys]
    if not lines:
        return ""
    index = {value: i for i, value in enumerate(results.values)}
    marks = []
    picks = chosen(results)
    if picks is not None:
        best, one_se = picks
        marks = [Line(f"best: {results.strength_text(best)}", [positions[index[best]]], [0.0], BEST),
                 Line(f"1-SE: {results.strength_text(one_se)}", [positions[index[one_se]]], [0.0], ONE_SE, "5 3")]
    every = math.ceil(len(positions) / 8)  # at most 8 labels
    ticks = [(p, "0" if p == zero_at else f"{v:g}") for p, v in list(zip(positions, results.values))[::every]]
    x_label = f"{results.strength_label} (log scale)" if is_lambda else "training rows m"
    return line_chart(lines, x_ticks=ticks, x_label=x_label, y_label="data loss (no penalty)", log_x=is_lambda,
                      marks=marks, title="train and validation data loss")


def sweep_html(results: SweepResults) -> str:
    """The chosen λ, the curve and the summary table (for Jupyter's ``_repr_html_``)."""
    header, rows, classes = summary_table(results)
    css = [" ".join(f"gn-{name}" for name in cls.split()) for cls in classes]
    kind = "Validation curve" if results.param == "lambda" else "Learning curve"
    title = f"{kind}: {len(results.values)} values, {len(results.records)} fits (folds × seeds)"
    choice = "".join(f"<p>{escape(sentence)}</p>" for sentence in choice_sentences(results))
    return card("sweep", title, choice, _chart(results),
                table(header, rows, row_classes=css, more="results.summary() has them all"))

