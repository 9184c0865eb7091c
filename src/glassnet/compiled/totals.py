"""History's running sums over a compiled run of batches, added in the order and with the roundings of the
NumPy path's per-batch Python code (:class:`glassnet.engine.logs.LossTotals`, :class:`glassnet.metrics.Metric`).

Batch b of an epoch over n rows in batches of B holds n_b = min(B, n − b·B) rows.

- :func:`loss_sums`: for each batch in order, ``data += L_b·n_b`` and ``terms[t] += float(value_bt)·n_b`` — float64,
  as ``LossTotals.add``;
- :func:`metric_sum`: for each batch in order, ``total += float(np.sum(values[rows of b]))`` — the batch's sum in
  the values' dtype (NumPy's pairwise sum from 0), then added in float64, as ``Metric.update``.
"""

from __future__ import annotations

from . import reductions
from .calls import jit, like


@jit
def loss_sums(losses, penalties, first_batch, batch_size, n_rows, data, terms):
    """Add batches ``first_batch`` … of ``losses`` (float64 data losses) and ``penalties`` (one row of penalty
    values per batch) into ``terms`` (float64, changed in place); returns the new data sum."""
    for s in range(losses.shape[0]):
        start = (first_batch + s) * batch_size
        rows = float(min(batch_size, n_rows - start))
        data += losses[s] * rows
        for t in range(penalties.shape[1]):
            terms[t] += float(penalties[s, t]) * rows
    return data


@jit
def metric_sum(values, first_batch, batches, batch_size, total):
    """``total`` plus, batch by batch, the sum of each batch's per-row metric values (1-D, in epoch order)."""
    n_rows = values.shape[0]
    for b in range(first_batch, first_batch + batches):
        start = b * batch_size
        rows = min(batch_size, n_rows - start)
        total += float(like(values, 0) + reductions.pairwise(values, start, rows))
    return total


@jit
def _argmax(row):
    """np.argmax of a 1-D float row: the first largest item, or the first NaN."""
    best = 0
    for j in range(row.shape[0]):
        v = row[j]
        if v != v:
            return j
        if v > row[best]:
            best = j
    return best


@jit
def correct_rows(kind, y, labels, outputs):
    """How many rows an accuracy metric counts as right — ``kind`` 0: binary (one output: y == [p > 0.5]),
    1: categorical (argmax y == argmax p), 2: sparse categorical (label == argmax p). Each row's value is 0 or
    1, so every batch's sum, and the running total of sums, is this whole number exactly, in any order."""
    right = 0
    for i in range(outputs.shape[0]):
        if kind == 0:
            right += y[i, 0] == (1.0 if outputs[i, 0] > 0.5 else 0.0)
        elif kind == 1:
            right += _argmax(y[i]) == _argmax(outputs[i])
        else:
            right += labels[i] == _argmax(outputs[i])
    return right
