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
