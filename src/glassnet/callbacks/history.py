"""``History`` (Keras: ``keras.callbacks.History``): every epoch's logs, returned by ``fit``."""

from __future__ import annotations

from .base import Callback


class History(Callback):
    """Records each epoch's logs: ``history.history['loss'][epoch]``; returned by ``fit``."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        from ..display.history import history_repr

        return history_repr(self)

    def _repr_html_(self) -> str:
        from ..display.history import history_html

        return history_html(self)
