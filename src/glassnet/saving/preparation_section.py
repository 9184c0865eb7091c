"""The optional ``"preparation"`` section of a model file's config: the
:class:`~glassnet.datasets.Preparation` record ``glassnet train`` saves next to the model (feature columns,
categories, class names, target scaling, missing-value policy), so ``glassnet predict`` and ``explain`` take a
table's rows as the file has them.

Files without the section are written and read exactly as before. Read back, the section is untrusted like the
rest of the file: :meth:`~glassnet.datasets.Preparation.from_config` checks its schema and sizes, and here its
input and output widths are checked against the model's, all before it is used.
"""

from __future__ import annotations

from typing import Any

from .._validation import describe
from ..engine.model import Sequential
from .messages import _bad

SECTION = "preparation"


def encode_section(preparation: Any, model: Sequential, features: int | None) -> dict[str, Any]:
    """The section for ``preparation`` (a ValueError/TypeError before anything is written if it cannot fit)."""
    from ..datasets.preparation import Preparation

    if not isinstance(preparation, Preparation):
        raise TypeError("Argument `preparation` must be a glassnet.datasets.Preparation or None. Received: "
                        f"preparation={describe(preparation)}")
    outputs = model.output_shape_for((None, features))[-1] if features is not None else None
    if (features, outputs) != (preparation.n_inputs, preparation.n_outputs):
        raise ValueError(f"Argument `preparation` describes {preparation.n_inputs} inputs and "
                         f"{preparation.n_outputs} outputs; the model has {features} and {outputs}. Received: "
                         f"preparation for target {preparation.target!r}")
    return preparation.to_config()


def split_section(config: Any) -> tuple[Any, Any, bool]:
    """``(config without the section, the section, whether there was one)``; the config is not changed."""
    if isinstance(config, dict) and SECTION in config:
        return {key: value for key, value in config.items() if key != SECTION}, config[SECTION], True
    return config, None, False


def decode_section(section: Any, model: Sequential, features: int | None) -> Any:
    """The checked record of a loaded model (ModelFileError for anything wrong)."""
    from ..datasets.preparation import Preparation

    preparation = Preparation.from_config(section, f"config.{SECTION}")
    outputs = model.output_shape_for((None, features))[-1] if features is not None else None
    if (features, outputs) != (preparation.n_inputs, preparation.n_outputs):
        _bad(f"config.{SECTION}", f"a record for the model's {features} inputs and {outputs} outputs",
             f"{preparation.n_inputs} inputs and {preparation.n_outputs} outputs")
    return preparation
