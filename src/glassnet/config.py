"""``get_config`` / ``from_config`` (Keras's pattern): the one description of an object's constructor arguments.

Every configurable glassnet class — layers, activations, initializers, regularizers, constraints, losses, learning
rate schedules, optimizers — returns from ``get_config()`` exactly the keyword arguments that rebuild it
(``type(obj).from_config(obj.get_config())`` is an equal object); nested glassnet objects stay objects. Saving
(:mod:`glassnet.saving`) serializes that dictionary through its allow-list, and ``repr`` shows it. There is no
second copy of a class's arguments anywhere.
"""

from __future__ import annotations

from typing import Any


class Configurable:
    """``get_config()`` → constructor arguments; ``from_config(config)`` → ``cls(**config)``; ``repr`` from the
    config (arguments that are None, and a ``name`` equal to the class's default, are left out)."""

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)

    def _repr_arguments(self) -> dict[str, Any]:
        default_name = getattr(type(self), "name", None)
        return {key: value for key, value in self.get_config().items()
                if value is not None and not (key == "name" and value == default_name)}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self._repr_arguments().items())
        return f"{type(self).__name__}({args})"
