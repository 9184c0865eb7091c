"""Rich displays: how glassnet's objects show themselves in a notebook and in a console.

Each object keeps a short one-line ``__repr__`` (never its arrays or records; at most
:data:`~glassnet.display.elements.MAX_REPR` characters) and, for Jupyter, JupyterLab, VS Code and Colab, a
``_repr_html_`` built here:

- :mod:`~glassnet.display.model` — ``Sequential``: the summary table with each layer's regularization;
- :mod:`~glassnet.display.history` — ``History``: a compact loss plot split into data and penalty, and the last
  epochs' numbers;
- :mod:`~glassnet.display.explanation` — ``Explanation``: every section of the text report, headed and styled;
- :mod:`~glassnet.display.sweep` — ``SweepResults``: the chosen λ, the curve and the summary table;
- :mod:`~glassnet.display.study` — ``LayerStudy``: its plain-language summary and the table per placement;
- :mod:`~glassnet.display.elements` (the shared CSS, tables, size limits) and :mod:`~glassnet.display.chart`
  (an inline SVG line chart drawn in Python).

Everything here needs only NumPy: no matplotlib, no script and no resource from elsewhere.
"""

from .elements import MAX_POINTS, MAX_REPR, MAX_ROWS

__all__ = ["MAX_POINTS", "MAX_REPR", "MAX_ROWS"]
