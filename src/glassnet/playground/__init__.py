"""``glassnet playground``: the TF Playground with the penalty made visible, training glassnet itself, live.

``glassnet playground`` (:func:`main`) starts a local web app (Starlette + uvicorn) and opens the browser; in a
notebook, :func:`show` embeds the same page, optionally starting from your own model and 2-D data. The server and
its assets need the ``playground`` extra (``pip install 'glassnet[playground]'``); importing this package does not.

The pieces, one module each: :mod:`~glassnet.playground.settings` (the validated state the URL carries),
:mod:`~glassnet.playground.data` (problems, features, grids), :mod:`~glassnet.playground.network` (the model and
its live changes), :mod:`~glassnet.playground.trainer` and :mod:`~glassnet.playground.clock` (one long ``fit`` per
network on a worker thread, play/pause/step), :mod:`~glassnet.playground.snapshot` (what a frame shows),
:mod:`~glassnet.playground.protocol` (the messages), :mod:`~glassnet.playground.session` (one page),
:mod:`~glassnet.playground.server` (the app), :mod:`~glassnet.playground.export` (the run as Python code).
"""

from __future__ import annotations

from .command import main
from .notebook import show, stop

__all__ = ["main", "show", "stop"]
