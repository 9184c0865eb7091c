"""Plots of a λ sweep and of one training run, as matplotlib Figures that need no display.

- :func:`validation_curve` / :func:`learning_curve`: mean train and validation curves of a
  :class:`~glassnet.experiments.SweepResults`, with ±1 standard-deviation bands over folds × seeds;
- :func:`loss_curves` / :func:`weight_norms`: a History epoch by epoch, the loss split into data and penalty;
- :func:`weight_histograms`: the kernel values of several models side by side (what L2 does to the weights);
- :func:`decision_boundary`: the predicted probability over a 2-D input plane;
- :func:`placement_norms`, :func:`norm_trajectories`, :func:`attribution_parts`: a layer study
  (:func:`glassnet.experiments.layer_study`) — kernel norms by placement, over epochs, and the direct vs indirect
  parts of each layer's change; :func:`boundary_grid`: decision boundaries, rows = placements or λ values,
  columns = epoch snapshots; :func:`epoch_curves`: a sweep's validation data loss per λ against the epoch;
- :func:`save` writes PNG or SVG; :func:`to_png` gives PNG bytes (for the HTML report).

Modules: ``curves`` (validation, learning and loss curves), ``weights`` (weight norms and histograms),
``boundary`` (decision boundary), ``study`` (the layer study), ``boundary_grid``, ``epochs`` (per-λ curves over
epochs), ``output`` (save / to_png and the helpers the others share).

Legends sit outside the data: below the axes of a figure the function made (constrained layout makes room), to
the right of axes the caller passed, above each histogram. Epoch axes have whole-number ticks.

Headless-safe: every function builds a ``matplotlib.figure.Figure`` directly and never imports pyplot, so
no GUI backend is selected, no global figure list keeps figures alive, and nothing opens a window on a server
or in a worker. ``save`` and ``to_png`` render through matplotlib's non-interactive Agg (PNG) and SVG
canvases.

>>> from glassnet import plots
>>> fig = plots.loss_curves({"loss": [0.9, 0.6], "data_loss": [0.8, 0.5], "penalty_loss": [0.1, 0.1]})
>>> plots.to_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

# Checked once here, before any submodule imports matplotlib, so a missing matplotlib gives one clear message.
try:
    from matplotlib import colormaps as _colormaps  # noqa: F401  (the newest matplotlib name the plots use)
    from matplotlib import figure as _figure  # noqa: F401
except ImportError as exc:  # the core needs only NumPy; plots are part of the `experiments` extra
    raise ImportError("glassnet.plots needs matplotlib: pip install 'glassnet[experiments]'. "
                      f"Received: ImportError({exc})") from exc

from .boundary import decision_boundary
from .boundary_grid import boundary_grid
from .curves import learning_curve, loss_curves, validation_curve
from .epochs import epoch_curves
from .output import save, to_png
from .study import attribution_parts, norm_trajectories, placement_norms
from .weights import weight_histograms, weight_norms

__all__ = ["decision_boundary", "learning_curve", "loss_curves", "save", "to_png", "validation_curve",
           "weight_histograms", "weight_norms", "placement_norms", "norm_trajectories", "attribution_parts",
           "boundary_grid", "epoch_curves"]
