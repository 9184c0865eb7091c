"""``glassnet playground``: start the local web app, print its URL, open the browser; Ctrl-C stops it."""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from typing import Any

DESCRIPTION = """Train a small network in the browser and watch regularization act, live: the TF Playground's
problems with the penalty made visible (its share of the loss, per layer; the gradients' data and penalty parts;
twin mode: the same network with and without it). Training runs here, in glassnet; the page only draws."""

HOST_HELP = ("address to listen on (default: %(default)s, this computer only). Binding to another address, e.g. "
             "0.0.0.0, exposes the playground to every machine that can reach it: anyone there can open the page, "
             "train on this computer's CPU and read the --data file's contents; there is no login")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``glassnet playground`` (also used by ``glassnet``'s own parser)."""
    parser.description = DESCRIPTION
    parser.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    parser.add_argument("--port", type=int, default=8765, help="port (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the URL")
    parser.add_argument("--data", help="your own 2-D data: a CSV, NPZ or Parquet file with two coordinate columns "
                                       "and the target (at most 10,000 rows)")
    parser.add_argument("--target", help="the target column of --data (its name)")


def _fail(message: str) -> int:
    print(f"glassnet playground: error: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace | list[str] | None = None) -> int:
    """Run the playground until Ctrl-C; returns the exit code (2 for a bad argument, data file or port)."""
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="glassnet playground")
        add_arguments(parser)
        args = parser.parse_args(args)
    try:
        import uvicorn  # noqa: F401 - checked first, for a clear message

        from .server import bind, config, create_app, is_loopback, url_of
        from .uploads import read_file
    except ImportError as exc:
        return _fail(f"the playground needs the 'playground' extra (pip install 'glassnet[playground]'): {exc}")
    if not 0 <= args.port <= 65535:
        return _fail(f"--port must be in [0, 65535]. Received: port={args.port}")
    user = None
    if args.data is not None or args.target is not None:
        if args.data is None or args.target is None:
            return _fail("--data and --target go together. Received: only one of them")
        try:
            user = read_file(args.data, args.target)
        except (ValueError, TypeError, OSError, KeyError) as exc:
            return _fail(str(exc).splitlines()[0])
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}). Received: --host "
                     f"{args.host} --port {args.port}")
    return _serve(create_app(user, host=args.host), sock, url_of(sock), not args.no_browser,
                  is_loopback(args.host), config)


def _serve(app: Any, sock: Any, url: str, browser: bool, loopback: bool, make_config: Any) -> int:
    import uvicorn

    print(f"glassnet playground: {url}  (Ctrl-C stops it)", flush=True)
    if not loopback:
        print("glassnet playground: warning: listening beyond this computer; anyone who can reach it can use it",
              file=sys.stderr, flush=True)
    server = uvicorn.Server(make_config(app, sock))
    if browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("glassnet playground: stopped", flush=True)
    return 0
