"""Exceptions glassnet raises beyond the built-in ValueError/TypeError."""


class ModelFileError(ValueError):
    """A model or weights file that cannot be loaded safely: truncated, corrupted, oversized, of another format
    version, or naming anything outside glassnet's allow-list. Loading never runs code from a file."""


class NotCompiledError(ValueError, RuntimeError):
    """``fit``/``evaluate`` before ``compile``. A ValueError (bad use of the API) and a RuntimeError, which is
    what Keras raises in the same case, so either ``except`` works."""
