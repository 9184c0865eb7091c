"""Choosing λ like a practitioner: validation and learning curves over folds and seeds, on all cores or a Dask
cluster, with results you can export and an HTML report.

- :func:`validation_curve` / :func:`learning_curve` (``sweeps.py``) return :class:`SweepResults` (``results.py``);
- :func:`write_report` (``report.py``) writes a self-contained HTML page; matplotlib is imported only then;
- :func:`layer_study` (``study.py``) trains twin fits that differ only in where the penalty sits and returns a
  :class:`LayerStudy` (``study_results.py``); :func:`write_study_report` (``study_report.py``) writes its page;
- ``SweepResults.verdict()`` / ``LayerStudy.verdict()``: the lecture's bias/variance diagnosis (``verdict.py``).
"""

from __future__ import annotations

from typing import Any

from .results import SweepResults
from .snapshots import boundary_snapshots
from .study import layer_study
from .study_results import LayerAttribution, LayerStudy
from .sweeps import ModelSpec, learning_curve, validation_curve
from .verdict import Diagnosis, Verdict


def __getattr__(name: str) -> Any:
    # Lazy: the report needs matplotlib, the sweeps do not. (A function named `report` would be replaced by the
    # submodule of the same name as soon as it is imported, so the shortcut is called write_report.)
    if name == "write_report":
        from .report import write_report

        return write_report
    if name == "write_study_report":
        from .study_report import write_study_report

        return write_study_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["validation_curve", "learning_curve", "ModelSpec", "SweepResults", "write_report", "layer_study",
           "LayerStudy", "LayerAttribution", "Verdict", "Diagnosis", "write_study_report",
           "boundary_snapshots"]
