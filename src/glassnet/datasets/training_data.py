"""From a table to training and validation arrays, deciding the task and fitting the
:class:`~glassnet.datasets.preparation.Preparation` on the training rows only.

``prepare(table, target, task=..., missing=..., val=..., seed=...)``:

1. **rows**: the missing-value policy (``'error'`` names the rows; ``'drop'`` and ``'mean'`` leave out rows
   without a target, ``'drop'`` also rows with any missing feature);
2. **task** (``task='auto'``): a target holding text, or only integers with at most
   ``MAX_AUTO_CLASSES`` (20) distinct values, is classification — ``'binary'`` for two classes, else
   ``'multiclass'``; any other numeric target is ``'regression'``. A number target with few distinct values
   that are not all integers (0.5, 1.5, ...) is regression: pass ``task='multiclass'`` to treat them as labels.
   Classification needs at least two classes and, when there is a validation split, two rows of every class;
3. **split**: :func:`~glassnet.datasets.train_val_test_split` of the kept rows with ``val`` and ``seed``,
   stratified by class for classification: the same seed gives the same hold-out every run;
4. **fit** on the training rows: the categories of each text column, the fill values (``'mean'``), and for a
   regression target with ``scale_target`` its mean and standard deviation (ddof 0; 1 if constant).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import limits
from .preparation import FeatureColumn, Preparation, check_cells, codes_in, distinct_labels, numbers_of, usable_rows
from .splits import train_val_test_split
from .table import Column, Table

MAX_AUTO_CLASSES = 20


@dataclass(frozen=True, eq=False)
class TrainingData:
    """The result of :func:`prepare`: the record, the arrays, which table rows they are, and what was decided."""

    preparation: Preparation
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    train_rows: np.ndarray
    val_rows: np.ndarray
    dropped: int
    reason: str


def _task(table: Table, column: Column, rows: np.ndarray, requested: str) -> tuple[str, str, tuple[str, ...]]:
    """The task, why, and the class labels (empty for regression): see the module docstring."""
    labels, count, integral = distinct_labels(column, rows)
    if requested == "regression":
        if not column.numeric:
            row, text = column.first_text_cell
            raise ValueError(f"{table.source}: task 'regression' needs a number target, but {column.name!r} holds "
                             f"text ({text!r} at {table.where(row)}); leave the task to 'auto' to classify it")
        return "regression", "as requested", ()
    if requested == "auto":
        if column.numeric and not (integral and count <= MAX_AUTO_CLASSES):
            kind = "not all integers" if not integral else f"more than {MAX_AUTO_CLASSES} distinct values"
            return "regression", f"auto: numbers, {kind}", ()
        kind = "texts" if not column.numeric else "integers"
        requested = "binary" if count == 2 else "multiclass"
        reason = f"auto: {count} distinct {kind}"
    else:
        reason = "as requested"
    if count < 2:
        raise ValueError(f"{table.source}: the target {column.name!r} has a single value {labels[0]!r}; a "
                         "classifier needs two classes or more")
    if requested == "binary" and count != 2:
        raise ValueError(f"{table.source}: task 'binary' needs exactly 2 distinct target values; {column.name!r} "
                         f"has {count}: {list(labels[:6])}")
    if count > limits.MAX_CATEGORIES:
        raise ValueError(f"{table.source}: the target {column.name!r} has {count:,} distinct values, more than "
                         f"the {limits.MAX_CATEGORIES:,} classes glassnet handles; is it a regression target?")
    return requested, reason, labels


def _fit_features(table: Table, names: list[str], rows: np.ndarray, missing: str) -> tuple[FeatureColumn, ...]:
    features = []
    for name in names:
        if len(name) > limits.MAX_TEXT_CHARS:
            raise ValueError(f"{table.source}: a column name of {len(name):,} characters; names may have at most "
                             f"{limits.MAX_TEXT_CHARS}")
        column = table.column(name)
        present = rows[~column.missing[rows]]
        fill = None
        if column.numeric:
            if missing == "mean":   # every column gets one: rows to come may miss what training rows had
                if len(present) == 0:
                    raise ValueError(f"{table.source}: column {name!r} has no value in the training rows to fill "
                                     "its missing cells with")
                fill = float(np.mean(numbers_of(table, column, present, f"column {name!r}")))
            features.append(FeatureColumn(name, None, fill))
            continue
        codes, counts = np.unique(column.text_codes[present], return_counts=True)
        if len(codes) == 0:
            raise ValueError(f"{table.source}: text column {name!r} has no value in the training rows")
        categories = tuple(sorted(column.vocabulary[c] for c in codes))
        if missing == "mean":
            fill = column.vocabulary[codes[np.argmax(counts)]]   # the most frequent; ties: the first code
        features.append(FeatureColumn(name, categories, fill))
    return tuple(features)


def prepare(table: Table, target: object, *, task: str = "auto", missing: str = "error", val: float = 0.2,
            seed: int = 0, scale_target: bool = True) -> TrainingData:
    """Training and validation arrays from ``table`` (see the module docstring).

    Parameters
    ----------
    table : Table
    target : str or int
        The target column, by name or index (negative from the end).
    task : {'auto', 'binary', 'multiclass', 'regression'}
    missing : {'error', 'drop', 'mean'}
    val : float in [0, 1)
        The fraction of rows held out for validation.
    seed : int ≥ 0
        The seed of the split.
    scale_target : bool
        Standardize a regression target (undone by :meth:`Preparation.decode`).
    """
    target_column = table.column(target)
    names = [c.name for c in table.columns if c is not target_column]
    if not names:
        raise ValueError(f"{table.source}: only the target column; x needs at least one more column")
    repeated = sorted({n for n in names if names.count(n) > 1 or n == target_column.name})
    if repeated:
        raise ValueError(f"{table.source}: the column names {repeated} appear more than once; name every column "
                         "differently")
    columns = [table.column(n) for n in names]
    rows, dropped = usable_rows(table, columns + [target_column],
                                columns + [target_column] if missing == "drop" else [target_column], missing)
    task, reason, labels = _task(table, target_column, rows, task)
    classes = labels or None
    y_codes = None
    if classes is not None:
        y_codes = codes_in(target_column, rows, classes)
        counts = np.bincount(y_codes, minlength=len(classes))
        if val > 0 and counts.min() < 2:
            lonely = int(np.argmin(counts))
            row = int(rows[np.flatnonzero(y_codes == lonely)[0]])
            raise ValueError(f"{table.source}, {table.where(row)}: the class {classes[lonely]!r} has a single row, "
                             "too few to both learn and validate; remove the row, set the validation split to 0, "
                             "or use task 'regression' if the target is a quantity")
    stratify = classes is not None and val > 0
    order = np.arange(len(rows))
    split = train_val_test_split(order, order if y_codes is None else y_codes, val=val, seed=seed,
                                 stratify=stratify)
    train, valid = rows[split[0]], rows[split[2]]
    features = _fit_features(table, names, train, missing)
    mean = std = None
    if classes is None and scale_target:
        y = numbers_of(table, target_column, train, f"the target {target_column.name!r}")
        mean, std = float(np.mean(y)), float(np.std(y))
        std = std if std > 0 and np.isfinite(std) else 1.0
    preparation = Preparation(target=target_column.name, task=task, features=features, classes=classes,
                              target_mean=mean, target_std=std, missing=missing)
    check_cells(len(rows), preparation.n_inputs, table.source)
    return TrainingData(preparation, preparation.x(table, train), preparation.y(table, train),
                        preparation.x(table, valid), preparation.y(table, valid), train, valid, dropped, reason)


__all__ = ["prepare", "TrainingData", "MAX_AUTO_CLASSES"]
