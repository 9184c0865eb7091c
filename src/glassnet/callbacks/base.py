"""The callback contract (Keras: ``keras.callbacks.Callback``): hooks ``fit`` calls at the start and end of training,
epochs and batches, and ``CallbackList``, which calls them in order.

``logs`` passed to ``on_epoch_end`` hold the epoch's averages (``loss``, metrics, ``val_*``); those passed to
``on_train_batch_end`` hold the running averages of the epoch so far, as in Keras. A callback that must survive a
killed and resumed run declares its state (``state_spec``) and ``BackupAndRestore`` backs it up with the epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Logs = dict[str, float]


class Callback:
    """Base class; ``self.model`` and ``self.params`` are set by ``fit`` before ``on_train_begin``.

    A callback whose decisions depend on earlier epochs declares that state in ``state_spec`` (attribute name →
    kind: ``'count'``, an integer ≥ 0; ``'epoch'``, an epoch index; ``'number'``, a float, possibly ±inf or
    NaN; ``'weights?'``, None or a list of arrays like ``model.get_weights()``). :class:`~glassnet.BackupAndRestore`
    backs it up with every epoch and puts it back when a killed run resumes, so the resumed run decides as the
    uninterrupted one would have. ``state_key`` identifies the callback in the backup.
    """

    state_spec: dict[str, str] = {}
    #: Call this callback's hooks after every other callback's, e.g. to back up their state once they updated it.
    runs_last: bool = False

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_callbacks(self, callbacks: list[Callback]) -> None:
        """Told by ``fit`` which callbacks run with this one (all of them, in call order); ignored by default."""

    @property
    def state_key(self) -> str:
        """The callback in a backup: its class, plus for a monitoring callback what it monitors."""
        return type(self).__name__

    def get_state(self) -> dict[str, Any]:
        """The attributes named in ``state_spec``, as they are now."""
        return {name: getattr(self, name) for name in self.state_spec}

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back attributes from :meth:`get_state` (checked against ``state_spec`` by the caller)."""
        for name in self.state_spec:
            setattr(self, name, state[name])

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


class CallbackList:
    """Calls each hook on every callback in order; those with ``runs_last`` after all the others."""

    def __init__(self, callbacks: Sequence[Callback], model: Any, params: dict[str, Any]):
        self.callbacks = [c for c in callbacks if not c.runs_last] + [c for c in callbacks if c.runs_last]
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
            callback.set_callbacks(self.callbacks)

    def uses_batch_hooks(self) -> bool:
        """Whether any callback does something per batch (so fit can skip building per-batch logs)."""
        return any(_overrides(callback, hook) for callback in self.callbacks
                   for hook in ("on_train_batch_begin", "on_train_batch_end"))

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call_all(*args: Any) -> None:
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call_all


def _overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback``'s ``hook`` is not the base class's no-op (a subclass method or a function set on
    the instance, as LambdaCallback does)."""
    method = getattr(callback, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)
