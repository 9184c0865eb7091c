"""Choosing λ like a practitioner: validation and learning curves over folds and seeds, on all cores or a Dask
cluster, with results you can export and an HTML report.

- :func:`validation_curve` / :func:`learning_curve` (``sweeps.py``) return :class:`SweepResults` (``results.py``);
- :func:`report` (``report.py``) writes a self-contained HTML page.
"""

from __future__ import annotations

from typing import Any

from .results import SweepResults
from .sweeps import ModelSpec, learning_curve, validation_curve


def report(results: SweepResults, path: Any, **kwargs: Any) -> Any:
    """Write a self-contained HTML report of ``results`` to ``path``: see :func:`glassnet.experiments.report.write_report`."""
    from .report import write_report

    return write_report(results, path, **kwargs)


__all__ = ["validation_curve", "learning_curve", "ModelSpec", "SweepResults", "report"]
