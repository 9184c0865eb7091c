"""The data preparation ``glassnet train`` records in the model file, so ``predict`` and ``explain`` can take the
rows of a table as the file has them.

A :class:`Preparation` says which columns feed the network and how:

- a **number** column goes in as it is (the model's first layer, a
  :class:`~glassnet.layers.Normalization` adapted on the training rows, standardizes it);
- a **text** column is one-hot encoded over the categories of the training rows, sorted; a text the training rows
  did not have encodes as all zeros (scikit-learn's ``handle_unknown='ignore'``);
- the **target** is a class index 0..k−1 into ``classes`` (the distinct labels, numbers sorted numerically and
  texts alphabetically, so {−1, 1} → 0, 1 and {1, 2, 3} → 0, 1, 2), or for regression (y − target_mean) /
  target_std when the target was standardized (``target_mean`` None: raw units);
- a **missing** cell follows the policy ``missing``: ``'error'`` refuses the table naming the rows, ``'drop'``
  leaves such rows out, ``'mean'`` fills a number column with its training mean (``fill``) and a text column with
  its most frequent training text (a row without a target is left out).

The record is JSON (:meth:`Preparation.to_config`). Read back from a file it is untrusted:
:meth:`Preparation.from_config` checks every key, type and size, and refuses anything else with
:class:`~glassnet.errors.ModelFileError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import limits
from .table import Column, Table, number_text

TASKS = ("binary", "multiclass", "regression")
MISSING_POLICIES = ("error", "drop", "mean")
_SHOWN_ROWS = 5
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class FeatureColumn:
    """One column that feeds the network: numbers (``categories`` None) or texts one-hot over ``categories``;
    ``fill`` replaces a missing cell under the ``'mean'`` policy."""

    name: str
    categories: tuple[str, ...] | None = None
    fill: float | str | None = None

    @property
    def width(self) -> int:
        return 1 if self.categories is None else len(self.categories)


@dataclass(frozen=True)
class Preparation:
    """How ``glassnet train`` turned a table into x and y (see the module docstring)."""

    target: str
    task: str
    features: tuple[FeatureColumn, ...]
    classes: tuple[str, ...] | None = None
    target_mean: float | None = None
    target_std: float | None = None
    missing: str = "error"

    @property
    def n_inputs(self) -> int:
        """The network's input width: one per number column, one per category of each text column."""
        return sum(feature.width for feature in self.features)

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.classes is not None and self.task == "multiclass" else 1

    @property
    def target_scaling(self) -> tuple[float, float] | None:
        """``(target_mean, target_std)`` when the regression target was standardized, else None."""
        if self.target_mean is None or self.target_std is None:
            return None
        return self.target_mean, self.target_std

    # --- rows, x and y of a table ------------------------------------------------------------------------
    def rows(self, table: Table, *, with_target: bool) -> tuple[np.ndarray, int]:
        """The rows of ``table`` to use under the missing-value policy, and how many were left out."""
        names = [feature.name for feature in self.features] + ([self.target] if with_target else [])
        columns = [table.column(name) for name in names]
        drop_for = columns if self.missing != "mean" else columns[len(self.features):]
        return usable_rows(table, columns, drop_for, self.missing)

    def x(self, table: Table, rows: np.ndarray) -> np.ndarray:
        """float32 ``(len(rows), n_inputs)``: the feature columns of ``rows``, text columns one-hot."""
        check_cells(len(rows), self.n_inputs, table.source)
        out = np.zeros((len(rows), self.n_inputs), dtype=np.float32)
        start = 0
        for feature in self.features:
            column = table.column(feature.name)
            if feature.categories is None:
                values = numbers_of(table, column, rows, f"column {feature.name!r} held numbers in training but")
                if feature.fill is not None:
                    values[np.isnan(values)] = feature.fill
                out[:, start] = values
            else:
                codes = codes_in(column, rows, feature.categories)
                if feature.fill is not None:
                    codes[column.missing[rows]] = feature.categories.index(feature.fill)
                known = codes >= 0
                out[np.flatnonzero(known), start + codes[known]] = 1.0
            start += feature.width
        return out

    def y(self, table: Table, rows: np.ndarray) -> np.ndarray:
        """float32 ``(len(rows),)``: class indices, or the (standardized) regression target."""
        column = table.column(self.target)
        if self.classes is not None:
            codes = codes_in(column, rows, self.classes)
            if (codes < 0).any():
                row = int(rows[np.flatnonzero(codes < 0)[0]])
                raise ValueError(f"{table.source}, {table.where(row)}: the label {cell_text(column, row)!r} is not "
                                 f"one of the model's classes {list(self.classes)[:20]}")
            return codes.astype(np.float32)
        values = numbers_of(table, column, rows, f"the model predicts numbers, but its target {self.target!r}")
        scaling = self.target_scaling
        if scaling is not None:
            values = (values - scaling[0]) / scaling[1]
        return values.astype(np.float32)

    def decode(self, outputs: np.ndarray) -> list[str]:
        """The network's outputs ``(rows, n_outputs)`` as the table would write them: class names (largest
        probability; 0.5 splits binary) or numbers in the target's own units."""
        if self.classes is None:  # regression
            return [repr(float(v)) for v in self.unscale(outputs[:, 0])]
        classes = self.classes
        if self.task == "binary":
            return [classes[int(p >= 0.5)] for p in outputs[:, 0]]
        return [classes[k] for k in np.argmax(outputs, axis=1)]

    def unscale(self, values: np.ndarray) -> np.ndarray:
        """float64 regression values in the target's own units: y·target_std + target_mean (if standardized)."""
        values = np.asarray(values, dtype=np.float64)
        scaling = self.target_scaling
        return values if scaling is None else values * scaling[1] + scaling[0]

    def units(self) -> str:
        """One sentence: what the target of the network's loss is, in which units."""
        if self.classes is not None:
            shown = ", ".join(f"{k} = {name}" for k, name in enumerate(self.classes[:10]))
            more = f", ... ({len(self.classes)} classes)" if len(self.classes) > 10 else ""
            return f"the target {self.target!r} as class indices {shown}{more}"
        scaling = self.target_scaling
        if scaling is None:
            return f"the target {self.target!r} in its own units"
        mean, std = scaling
        return (f"the target {self.target!r} standardized, (y − {mean:.6g}) / {std:.6g}: "
                f"an MSE of 1 is the target's variance ({std ** 2:.6g} in its own units)")

    # --- the record in a model file ------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        """The JSON record saved in a model file (read back by :meth:`from_config`)."""
        return {"target": self.target, "task": self.task, "missing": self.missing,
                "features": [{"name": f.name, "categories": None if f.categories is None else list(f.categories),
                              "fill": f.fill} for f in self.features],
                "classes": None if self.classes is None else list(self.classes),
                "target_mean": self.target_mean, "target_std": self.target_std}

    @classmethod
    def from_config(cls, data: Any, where: str = "config.preparation") -> Preparation:
        """The record from untrusted JSON: every key, type, size and cross-check, or ModelFileError."""
        from .preparation_config import decode

        return decode(cls, FeatureColumn, data, where)


def numbers_of(table: Table, column: Column, rows: np.ndarray, what: str) -> np.ndarray:
    """float64 values of a number column, or a ValueError: '<source>: <what> holds text (... at line 3)', or
    names the first value beyond float32's range (±3.4e38), which the network could not hold."""
    if not column.numeric:
        row, text = column.first_text_cell
        raise ValueError(f"{table.source}: {what} holds text here ({text!r} at {table.where(row)})")
    values = column.number_values[rows].astype(np.float64)
    huge = np.abs(values) > _FLOAT32_MAX   # NaN (missing) compares False
    if huge.any():
        row = int(rows[np.flatnonzero(huge)[0]])
        raise ValueError(f"{table.source}, {table.where(row)}, column {column.name!r}: "
                         f"{column.number_values[row]:g} is beyond float32's range (±{_FLOAT32_MAX:.3g}), which the "
                         "network computes in")
    return values


def check_cells(rows: int, width: int, source: str) -> None:
    if rows * width > limits.MAX_CELLS:
        raise ValueError(f"{source}: {rows:,} rows × {width:,} encoded columns is more than the "
                         f"{limits.MAX_CELLS:,} cells glassnet encodes (a text column adds a column per text)")


def usable_rows(table: Table, columns: list[Column], drop_for: list[Column], policy: str) -> tuple[np.ndarray, int]:
    """Rows without missing cells in ``drop_for`` (and, for policy 'error', none in ``columns`` at all)."""
    if policy == "error":
        missing = np.zeros(len(table), dtype=bool)
        for column in columns:
            missing |= column.missing
        if missing.any():
            bad = np.flatnonzero(missing)
            shown = []
            for row in bad[:_SHOWN_ROWS]:
                names = [column.name for column in columns if column.missing[row]]
                shown.append(f"{table.where(int(row))} ({', '.join(map(repr, names[:3]))})")
            more = f", ... ({len(bad):,} rows)" if len(bad) > _SHOWN_ROWS else ""
            raise ValueError(f"{table.source}: missing values at {'; '.join(shown)}{more}; pass --missing drop to "
                             "leave such rows out, or --missing mean to fill a number column with its training mean "
                             "and a text column with its most frequent text")
        return np.arange(len(table)), 0
    keep = np.ones(len(table), dtype=bool)
    for column in drop_for:
        keep &= ~column.missing
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        raise ValueError(f"{table.source}: no row is left once the rows with missing values are left out")
    return rows, len(table) - len(rows)


def codes_in(column: Column, rows: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """int64 ``(len(rows),)``: the index in ``names`` of each cell of ``rows`` (−1: missing or not one of the
    names). A number cell matches the name that reads as the same number (3.0 matches ``'3'``)."""
    if not column.numeric:
        lookup = {name: k for k, name in enumerate(names)}
        mapping = np.array([lookup.get(text, -1) for text in column.vocabulary] + [-1], dtype=np.int64)
        return mapping[column.text_codes[rows]]   # code −1 (missing) picks the trailing −1
    numbers, positions = [], []
    for k, name in enumerate(names):
        try:
            value = float(name)
        except ValueError:
            continue
        if math.isfinite(value):
            numbers.append(value)
            positions.append(k)
    values = column.number_values[rows].astype(np.float64)
    if not numbers:
        return np.full(len(rows), -1, dtype=np.int64)
    order = np.argsort(numbers, kind="stable")
    ordered, where = np.asarray(numbers)[order], np.asarray(positions, dtype=np.int64)[order]
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.where(ordered[at] == values, where[at], -1)


def cell_text(column: Column, row: int) -> str | None:
    """The cell of ``row`` as a text (a number as :func:`~glassnet.datasets.table.number_text` writes it)."""
    if column.numeric:
        value = column.number_values[row]
        return None if np.isnan(value) else number_text(value)
    code = int(column.text_codes[row])
    return None if code < 0 else column.vocabulary[code]


def distinct_labels(column: Column, rows: np.ndarray) -> tuple[tuple[str, ...], int, bool]:
    """The distinct labels of ``rows`` in class order (numbers numerically, texts alphabetically; at most
    MAX_CATEGORIES + 1 of them), how many there are, and whether they are all integers."""
    if column.numeric:
        distinct = np.unique(column.number_values[rows])
        labels = tuple(number_text(v) for v in distinct[:limits.MAX_CATEGORIES + 1])
        return labels, len(distinct), bool(np.all(distinct == np.round(distinct)))
    codes = np.unique(column.text_codes[rows])
    return tuple(sorted(column.vocabulary[c] for c in codes)), len(codes), False
