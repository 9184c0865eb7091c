"""Exceptions glassnet raises beyond the built-in ValueError/TypeError."""


class NotCompiledError(ValueError, RuntimeError):
    """``fit``/``evaluate`` before ``compile``. A ValueError (bad use of the API) and a RuntimeError, which is
    what Keras raises in the same case, so either ``except`` works."""
