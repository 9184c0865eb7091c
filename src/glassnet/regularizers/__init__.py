"""Regularizers (Keras: ``keras.regularizers``): what a penalty is, where it goes, and how strong it is.

- :mod:`~glassnet.regularizers.penalties` — ``L1``, ``L2``, ``L1L2`` (and ``L2.from_lecture``), or any callable:
  each penalty with its gradient beside its value;
- :mod:`~glassnet.regularizers.placement` — ``compile(regularizer=..., lam=...)``: which weights a model-wide
  regularizer goes on (a layer's own always wins);
- :mod:`~glassnet.regularizers.conventions` — one L2 strength in every framework's convention (``convert``,
  ``strength_table``).
"""

from .conventions import convert, strength_table
from .penalties import L1, L1L2, L2, FunctionRegularizer, LectureL2, Regularizer, get, l1, l1_l2, l2

__all__ = ["Regularizer", "L1", "L2", "L1L2", "LectureL2", "FunctionRegularizer", "get", "convert",
           "strength_table", "l1", "l2", "l1_l2"]
