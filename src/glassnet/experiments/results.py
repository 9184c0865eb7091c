"""``SweepResults``: the records of a validation or learning curve, their summary, the chosen λ and exports.

The contract other code (the HTML report, notebooks) relies on:

- ``param``: ``'lambda'`` (validation curve) or ``'train_size'`` (learning curve);
- ``values``: the swept values, sorted (floats for λ, ints for training-set sizes);
- ``records``: one dict per fit, sorted by (value, fold, seed), with

  ========================================  ==================================================================
  key                                       what
  ========================================  ==================================================================
  ``value``, ``fold``, ``seed``             the task
  ``n_train``, ``n_val``                    rows trained on and validated on
  ``train_loss``, ``val_loss``              data loss + penalties (what Keras reports), on the final weights
  ``train_data_loss``, ``val_data_loss``    the data loss alone, (1/m)·Σᵢ ℓᵢ — the lecture's J_train, J_cv
  ``train_penalty_loss``, ``val_…``         Σ penalties, e.g. l2·Σ‖W‖² (the same on both sets)
  ``train_<metric>``, ``val_<metric>``      each metric the model reports, and ``metric`` (accuracy, mse, …)
  ``train_error``, ``val_error``            1 − accuracy, for classifiers
  ``norms``                                 {``layer_1``: ‖W‖_F, …} per kernel, layers named by position
  ``history``                               {Keras History key: per-epoch list}, layers named by position
  ========================================  ==================================================================

- ``metric``: the headline metric's name (``'accuracy'``, ``'mse'``, …); ``config``: the sweep's settings.

Everything is plain Python (str, int, float, list, dict), so ``to_dict()`` is JSON-ready and ``from_dict``
needs no code to load it back.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..regularizers.conventions import LABELS, convert
from .results_schema import MAX_FILE_BYTES, check
from .results_schema import PARAMS as _PARAMS
from .results_schema import TASK_KEYS as _TASK_KEYS


@dataclass
class SweepResults:
    """Records of one sweep (see the module docstring for every key) and what they say.

    >>> runs = [(0.0, 0, 0.9), (0.0, 1, 0.7), (0.1, 0, 0.5), (0.1, 1, 0.7)]
    >>> records = [{"value": v, "fold": f, "seed": 0, "val_data_loss": loss, "norms": {"layer_1": 1.0},
    ...             "history": {}} for v, f, loss in runs]
    >>> results = SweepResults("lambda", [0.0, 0.1], records)
    >>> results.best_lambda
    0.1
    >>> [round(row["val_data_loss_mean"], 6) for row in results.summary()]
    [0.8, 0.6]
    """

    param: str
    values: list[Any]
    records: list[dict[str, Any]]
    metric: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.param not in _PARAMS:
            raise ValueError(f"Argument `param` must be one of {list(_PARAMS)}. "
                             f"Received: param={self.param!r}")

    def __repr__(self) -> str:
        from ..display.sweep import sweep_repr

        return sweep_repr(self)

    def _repr_html_(self) -> str:
        from ..display.sweep import sweep_html

        return sweep_html(self)

    # --- summary --------------------------------------------------------------------------------------------
    def metric_keys(self) -> list[str]:
        """Names of the numeric per-fit quantities in record order ('val_data_loss', …, 'norm/layer_1')."""
        keys: list[str] = []
        for record in self.records:
            for key, value in record.items():
                if key not in _TASK_KEYS and _is_number(value) and key not in keys:
                    keys.append(key)
        for record in self.records:
            for layer in record.get("norms", {}):
                if f"norm/{layer}" not in keys:
                    keys.append(f"norm/{layer}")
        return keys

    def runs(self, value: Any) -> list[dict[str, Any]]:
        """The records of one swept value (every fold × seed)."""
        return [record for record in self.records if record["value"] == value]

    def summary(self) -> list[dict[str, Any]]:
        """One row per value: ``value``, ``n`` (fits), and ``<key>_mean``, ``<key>_std``, ``<key>_sem`` of
        every numeric quantity (:meth:`metric_keys`) over the n = folds × seeds fits.

        mean = (1/n)·Σ xᵢ; std = √(Σ (xᵢ − mean)² / (n − 1)), the sample standard deviation (0.0 when n = 1:
        one fit gives no spread); sem = std / √n, the standard error of the mean.
        """
        keys = self.metric_keys()
        rows = []
        for value in self.values:
            runs = self.runs(value)
            row: dict[str, Any] = {"value": value, "n": len(runs)}
            for key in keys:
                samples = [_lookup(run, key) for run in runs]
                numbers = np.array([s for s in samples if s is not None], dtype=np.float64)
                mean, std, sem = _stats(numbers)
                row.update({f"{key}_mean": mean, f"{key}_std": std, f"{key}_sem": sem})
            rows.append(row)
        return rows

    def column(self, key: str, stat: str = "mean") -> list[float]:
        """A summary column over ``values``, e.g. ``column('val_data_loss', 'sem')``; stat: mean, std, sem."""
        if stat not in ("mean", "std", "sem"):
            raise ValueError(f"Argument `stat` must be 'mean', 'std' or 'sem'. Received: stat={stat!r}")
        if key not in self.metric_keys():
            raise ValueError(f"Argument `key` must be one of {self.metric_keys()}. Received: key={key!r}")
        return [row[f"{key}_{stat}"] for row in self.summary()]

    def history_mean(self, value: Any, key: str) -> list[float]:
        """Per-epoch mean of History ``key`` ('val_data_loss', …) over the fits of ``value``: a loss curve."""
        return mean_curve(self.runs(value), key, f"value {value!r}")

    def epoch_curves(self, key: str = "val_data_loss") -> dict[Any, list[float]]:
        """{swept value: per-epoch mean of History ``key`` over its fits}: e.g. the validation data loss J_cv
        against epochs for every λ — where a small λ's J_cv turns back up (overfitting sets in) and a large λ's
        stays high. The histories are the epoch averages ``fit`` records (``val_data_loss`` is computed after
        each epoch on the validation rows, without the penalty)."""
        if not isinstance(key, str):
            raise TypeError(f"Argument `key` must be a History key such as 'val_data_loss'. Received: key={key!r}")
        return {value: self.history_mean(value, key) for value in self.values}

    def verdict(self, *, baseline: float = 0.0, tolerance: float | None = None) -> Any:
        """The lecture's bias/variance diagnosis for every swept value, a
        :class:`~glassnet.experiments.verdict.Verdict` (thresholds in :mod:`glassnet.experiments.verdict`:
        high bias when J_train − baseline > tolerance, high variance when J_cv − J_train > tolerance and more
        than twice its standard error; tolerance 0.02 on the error, or 10 % of J_cv on the data loss)."""
        from .verdict import diagnose

        return diagnose([(value, self.runs(value)) for value in self.values], baseline=baseline,
                        tolerance=tolerance)

    # --- what λ means ---------------------------------------------------------------------------------------
    @property
    def convention(self) -> str:
        """The convention the swept strengths are written in ('keras' unless the sweep said otherwise)."""
        return str(self.config.get("convention") or "keras")

    @property
    def strength_label(self) -> str:
        """'Keras l2', 'lecture λ', ...: how a swept strength reads (``conventions.LABELS``)."""
        return LABELS.get(self.convention, self.convention)

    @property
    def training_rows(self) -> int | None:
        """m, the rows each fit trained on (the median over fits: k folds differ by at most one row)."""
        counts = [record["n_train"] for record in self.records if _is_number(record.get("n_train"))]
        return int(np.median(counts)) if counts else None

    def lecture_lambda(self, value: float) -> float | None:
        """The lecture's λ of a strength in this sweep's convention, for m = :attr:`training_rows` and the
        model's loss; None where that is not known or has no lecture counterpart."""
        if self.convention == "lecture":
            return value
        try:
            return convert(value, self.convention, "lecture", n_samples=self.training_rows,
                           batch_size=self.config.get("batch_size"), loss=self.config.get("loss"),
                           n_outputs=self.config.get("n_outputs") or 1)
        except (ValueError, TypeError):
            return None

    def strength_text(self, value: float) -> str:
        """One strength with its convention, and the lecture's λ beside it when m is known, e.g.
        ``'Keras l2 = 0.01 (lecture λ = 7.28 for m = 364)'``."""
        text = f"{self.strength_label} = {value:g}"
        lam = self.lecture_lambda(value)
        if self.convention != "lecture" and lam is not None:
            text += f" (lecture λ = {lam:.4g} for m = {self.training_rows})"
        return text

    def table(self) -> str:
        """The summary as plain text: each strength (in its convention, and as the lecture's λ), validation
        data loss mean ± std, validation error, train data loss."""
        lecture = self.param == "lambda" and self.convention != "lecture" and self.training_rows is not None
        name = self.strength_label if self.param == "lambda" else "training rows m"
        header = f"{name:>20}" + (f" {'lecture λ':>10}" if lecture else "")
        lines = [header + f" {'val data loss':>19} {'val error':>10} {'train data loss':>16}"]
        for row in self.summary():
            lam = self.lecture_lambda(row["value"]) if lecture else None
            line = f"{row['value']:>20g}" + (f" {'-' if lam is None else format(lam, '.4g'):>10}" if lecture else "")
            get = row.get
            line += (f" {get('val_data_loss_mean', math.nan):>10.4f} ± {get('val_data_loss_std', math.nan):.4f}"
                     f" {get('val_error_mean', math.nan):>10.4f} {get('train_data_loss_mean', math.nan):>16.4f}")
            lines.append(line)
        return "\n".join(lines)

    # --- choosing λ -----------------------------------------------------------------------------------------
    @property
    def best_lambda(self) -> float:
        """The λ with the lowest mean validation **data** loss, J_cv(λ) = (1/m_cv)·Σᵢ ℓᵢ.

        J_cv has no penalty term on purpose. The penalty is a training device that grows with λ itself, so
        adding it would push the choice towards small λ for reasons that have nothing to do with prediction.
        What we compare is how well each trained model predicts data it has not seen. A λ whose fits diverged
        (a NaN mean) is never chosen.
        """
        return self.values[self._best_index(self._val_data_loss("mean"))]

    def _best_index(self, means: list[float]) -> int:
        finite = [mean if math.isfinite(mean) else math.inf for mean in means]
        if not finite or min(finite) == math.inf:
            raise ValueError("Choosing λ needs a finite mean validation data loss for at least one λ. "
                             f"Received: means {means}")
        return int(np.argmin(finite))

    @property
    def best_lambda_1se(self) -> float:
        """The largest λ whose mean validation data loss is within one standard error of the minimum.

        One-standard-error rule (Hastie, Tibshirani & Friedman): with λ* = ``best_lambda``, pick the largest λ
        with mean J_cv(λ) ≤ mean J_cv(λ*) + sem J_cv(λ*). Differences smaller than the noise of the estimate
        are not evidence, so prefer the simpler, more regularized model among those that are as good.
        Always ≥ λ*.
        """
        means, sems = self._val_data_loss("mean"), self._val_data_loss("sem")
        best = self._best_index(means)
        threshold = means[best] + sems[best]
        return max(value for value, mean in zip(self.values, means) if mean <= threshold)

    def _val_data_loss(self, stat: str) -> list[float]:
        if self.param != "lambda":
            raise ValueError("Choosing λ needs a validation curve (param='lambda'), not a learning curve. "
                             f"Received: param={self.param!r}")
        if "val_data_loss" not in self.metric_keys():
            raise ValueError("Choosing λ needs records with the validation data loss `val_data_loss`. "
                             f"Received: records with {self.metric_keys()}")
        return self.column("val_data_loss", stat)

    # --- export ---------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``param``, ``values``, ``metric``, ``config`` and the ``records``."""
        # A JSON round trip is a deep copy that also proves the data is plain (it fails on anything else).
        return {"param": self.param, "values": list(self.values), "metric": self.metric,
                "config": json.loads(json.dumps(self.config)),
                "records": json.loads(json.dumps(self.records))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepResults:
        """Rebuild results from :meth:`to_dict` output (e.g. ``json.load``); plain data only, no code runs. The
        data is untrusted: every field is checked first (:mod:`glassnet.experiments.results_schema`)."""
        check(data)
        return cls(param=data["param"], values=list(data["values"]),
                   records=[dict(r) for r in data["records"]], metric=data.get("metric"),
                   config=dict(data.get("config") or {}))

    def to_json(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as JSON. Floats are written as Python's shortest exact repr, so they load
        back bitwise."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    @classmethod
    def from_json(cls, path: str | Path) -> SweepResults:
        """Load results written by :meth:`to_json` (plain JSON, no code; at most
        :data:`~glassnet.experiments.results_schema.MAX_FILE_BYTES`, checked like :meth:`from_dict`)."""
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{path}: a results file holds at most {MAX_FILE_BYTES} bytes. "
                             f"Received: a file of {size} bytes")
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a JSON results file ({exc})") from None
        return cls.from_dict(data)

    def to_csv(self, path: str | Path) -> None:
        """Write :meth:`summary`, one row per value, with the mean/std/sem columns."""
        rows = self.summary()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["value", "n"])
            writer.writeheader()
            writer.writerows(rows)

    def to_frame(self) -> Any:
        """:meth:`summary` as a pandas DataFrame (pandas is imported only here)."""
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("SweepResults.to_frame() needs pandas: pip install pandas. "
                              f"Received: ImportError({exc})") from exc
        return pandas.DataFrame(self.summary())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _lookup(record: dict[str, Any], key: str) -> float | None:
    if key.startswith("norm/"):
        return record.get("norms", {}).get(key[len("norm/"):])
    return record.get(key)


def _stats(samples: np.ndarray) -> tuple[float, float, float]:
    """(mean, sample std with n − 1, std/√n); NaNs when there is no sample, std = sem = 0.0 for one."""
    n = samples.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(samples))
    std = float(np.std(samples, ddof=1)) if n > 1 else 0.0
    return mean, std, std / math.sqrt(n)


def mean_curve(runs: list[dict[str, Any]], key: str, what: str) -> list[float]:
    """Per-epoch mean of History ``key`` over ``runs`` (records with a ``history``); ``what`` names them in the
    error when none has the key."""
    curves = [run["history"][key] for run in runs if key in run.get("history", {})]
    if not curves:
        raise ValueError(f"No fit of {what} has history key {key!r}. Received: key={key!r}")
    length = min(len(curve) for curve in curves)  # equal unless a callback stopped a fit early
    return [float(v) for v in np.mean([curve[:length] for curve in curves], axis=0)]


# The statistics of the summary, for the layer study's tables too.
stats = _stats
