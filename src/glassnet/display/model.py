"""How a :class:`~glassnet.Sequential` shows itself: a one-line ``repr`` and, in a notebook, ``model.summary()``'s
table with every layer's regularization and where it came from (the layer or ``compile()``).

>>> from glassnet import Sequential, Dense, L2
>>> model = Sequential([Dense(3, "relu", kernel_regularizer=L2(0.01), name="hidden"), Dense(1, name="out")],
...                    name="tiny")
>>> model_repr(model)
"<Sequential 'tiny': 2 layers hidden (Dense) → out (Dense), not built, penalties on hidden, not compiled>"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.summary import compile_regularizer_line, summary_rows
from .elements import card, listed, note, number, one_line, table

if TYPE_CHECKING:
    from ..engine.model import Sequential

#: What the strengths in the Regularization column mean (each regularizer is written as Keras writes it).
CONVENTION_NOTE = ("Strengths are Keras's: L2(l2) adds l2·Σw² to the loss and L1(l1) adds l1·Σ|w| (no ½, not "
                   "divided by the batch or by m); L2.from_lecture(lam, m) is the lecture's (λ/2m)·Σw². "
                   "model.explain(x, y) gives each L2 strength in the lecture's, PyTorch's and scikit-learn's "
                   "conventions.")


def _compiled(model: Sequential) -> str:
    config = model.get_compile_config()
    if config is None:
        return "not compiled"
    metrics = [getattr(m, "__name__", str(m)) if not isinstance(m, str) else m for m in config["metrics"]]
    text = f"compiled: {type(config['optimizer']).__name__}, {config['loss'].name}"
    return text + (f", metrics {listed(metrics, 4)}" if metrics else "")


def _params(model: Sequential) -> str:
    if not model.built:
        return "not built"
    trainable = sum(w.value.size for w in model.trainable_weights)
    total = model.count_params()
    return f"{total} params" + (f" ({trainable} trainable)" if trainable != total else "")


def model_repr(model: Sequential) -> str:
    """``<Sequential 'name': 3 layers a (Dense) → b (Dense) → c (Dense), 466 params, penalties on a, b, c,
    compiled: Adam, binary_crossentropy>`` — one line of at most :data:`~glassnet.display.elements.MAX_REPR`
    characters however many layers the model has."""
    rows = summary_rows(model)
    layers = " → ".join(row[0] for row in rows[:6]) + (f" → … ({len(rows) - 6} more)" if len(rows) > 6 else "")
    regularized = [layer.name for layer, row in zip(model.layers, rows) if row[3] != "-"]
    parts = [f"{len(rows)} layer{'s' if len(rows) != 1 else ''} {layers}".rstrip(), _params(model),
             f"penalties on {listed(regularized, 4)}" if regularized else "no penalty", _compiled(model)]
    return one_line(f"<Sequential {model.name!r}: {', '.join(parts)}>")


def model_html(model: Sequential) -> str:
    """The summary table for Jupyter (``_repr_html_``): layer, output shape, parameters, regularization."""
    rows = summary_rows(model)
    facts = [f"input {model.input_shape}" if model.input_shape else "input shape not known yet (build or fit)",
             _params(model), _compiled(model)]
    if model.last_fit:
        facts.append(f"last fit: m = {model.last_fit['n_samples']} rows, batch size {model.last_fit['batch_size']}")
    parts = [note(" · ".join(facts)),
             table(["Layer (type)", "Output Shape", "Param #", "Regularization"], [list(row) for row in rows],
                   text_columns=(1, 3), more="model.summary() prints every layer")]
    if model.built:
        parts.append(note(f"Total params: {number(model.count_params())}"))
    compile_line = compile_regularizer_line(model)
    if compile_line is not None:
        parts.append(note(compile_line))
    if compile_line is not None or any(row[3] != "-" for row in rows):
        parts.append(note(CONVENTION_NOTE))
    return card("model", f"Sequential {model.name!r}", *parts)

