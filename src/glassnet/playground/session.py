"""One page's session: its settings, its data, its networks (two in twin mode) and the frames it is sent.

The session lives on the server's event loop; the networks train on their workers
(:mod:`glassnet.playground.trainer`). Frames are sent under flow control: one frame at a time, the next only after
the page says it has drawn the last (``ack``) — so however fast training runs and however slow the page is, nothing
queues up: the workers keep each epoch's logs (bounded) and one newest picture. The session ends with the page's
connection, and its workers with it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..regularizers.conventions import strength_table
from . import export, protocol, uploads
from .clock import Clock
from .data import Table
from .network import build
from .problem import Preset, Problem, describe, prepare
from .settings import MAX_SEED, Settings, limits, parse
from .snapshot import playground_reason
from .trainer import Trainer

EXPORT_TIMEOUT = 30.0
logger = logging.getLogger(__name__)


@dataclass
class Shared:
    """What every session of one server sees: the ``--data`` table, the presets, the live sessions."""

    user: Table | None = None
    presets: dict[str, Preset] = field(default_factory=dict)
    sessions: set[Session] = field(default_factory=set)
    max_sessions: int = 8
    frames_sent: int = 0


class Session:
    def __init__(self, websocket: WebSocket, shared: Shared) -> None:
        self.websocket, self.shared = websocket, shared
        self.settings: Settings | None = None
        self.problem: Problem | None = None
        self.user: Table | None = shared.user
        self.preset: Preset | None = None
        self.initial_weights: list[Any] | None = None
        self.trainers: list[Trainer] = []
        self.clock: Clock | None = None
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        self.credit = 1
        self.frame = 0
        self.limit = protocol.RateLimit()

    # --- the connection ------------------------------------------------------------------------------------------
    async def run(self) -> None:
        sender = asyncio.create_task(self._send_frames())
        try:
            await self._send({"type": "hello", "limits": {**limits(), "max_upload_bytes": protocol.MAX_UPLOAD},
                              "defaults": Settings().to_dict(),
                              "user_data": self.user.name if self.user else None})
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if not self.limit.allow():
                    if self.limit.dropped > 10 * protocol.BURST:
                        await self.websocket.close(code=1008, reason="too many messages")
                        return
                    continue
                try:
                    await self._handle(protocol.parse(message.get("text")))
                except (ValueError, TypeError) as exc:
                    await self._error(str(exc))
                except Exception as exc:  # noqa: BLE001 - our fault: the page is told, the session goes on
                    logger.exception("playground session: unexpected error")
                    await self._error(f"The playground failed on that message ({type(exc).__name__}: {exc}); "
                                      "the session goes on. Received: a message of type "
                                      f"{str(message.get('text'))[:40]!r}")
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            await self.close()

    async def close(self) -> None:
        trainers, self.trainers = self.trainers, []
        for trainer in trainers:
            await asyncio.to_thread(trainer.stop)

    async def _send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(protocol.dumps(message))

    async def _error(self, message: str) -> None:
        await self._send({"type": "error", "message": message,
                          "settings": self.settings.to_dict() if self.settings else None})

    # --- messages ------------------------------------------------------------------------------------------------
    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ack":
            self.credit = 1
            for trainer in self.trainers:
                trainer.frame_wanted.set()
            if self.clock:
                self.clock.poke()
            self.wake.set()
        elif kind == "settings":
            name = message.get("preset")
            preset = self.shared.presets.get(name) if isinstance(name, str) else None
            if self.settings is None and preset is not None:
                self.preset, self.user = preset, preset.table or self.user
            base = self.preset.settings if self.preset and self.settings is None else self.settings
            try:
                await self._apply(parse(message["settings"], base))
            except (ValueError, TypeError):
                if self.settings is None:  # a bad URL: the page still gets a network (the defaults), then the message
                    await self._apply(base or Settings())
                raise
        elif kind == "control":
            await self._control(message["action"])
        elif kind == "export":
            await self._export(message["what"])
        elif kind == "upload":
            table = await asyncio.to_thread(uploads.read_csv, message["csv"], message.get("target"),
                                            message.get("name", "upload.csv"))
            await self._apply(replace(self.settings or Settings(), dataset="data"), rebuild=True, user=table)

    async def _control(self, action: str) -> None:
        if self.settings is None:
            raise ValueError("Send the settings first. Received: a control message before any settings")
        if action in ("reset", "regenerate"):
            settings = self.settings
            if action == "regenerate":
                settings = replace(settings, data_seed=random.randint(0, MAX_SEED))
            await self._apply(settings, rebuild=True)
            return
        getattr(self.clock, action)()

    async def _apply(self, settings: Settings, rebuild: bool = False, user: Table | None = None) -> None:
        """Live changes go to the running networks; anything else builds new ones, from ``user``'s data when given
        (all checked first: a refused change leaves the session as it was)."""
        if self.settings is not None and not rebuild and not self.settings.needs_new_network(settings):
            self.settings = settings
            for trainer in self.trainers:
                trainer.post_live(settings)
            if self.clock is not None:
                self.clock.set_speed(settings.speed)
            await self._send({"type": "settings", "settings": settings.to_dict(), "reset": False,
                              "conventions": self._conventions()})
            return
        problem = await asyncio.to_thread(prepare, settings, user or self.user)
        twins = [None] if settings.twin == "off" else [None, settings.twin]
        models = [build(settings, problem.x_train.shape[1], problem.output, twin) for twin in twins]
        weights = self.preset.weights if self.preset else None
        if weights is not None and [w.shape for w in models[0].get_weights()] != [w.shape for w in weights]:
            weights = None  # the architecture changed: the preset's weights no longer fit
        if weights is not None:
            for model in models:
                model.set_weights(weights)
        await self.close()
        if user is not None:
            self.user, self.preset = user, None
        self.settings, self.problem, self.initial_weights = settings, problem, weights
        self.clock = Clock(len(models), settings.speed)
        self.trainers = [Trainer(i, model, problem, settings, self.clock, self._news, twin)
                         for i, (model, twin) in enumerate(zip(models, twins))]
        await self._send({"type": "settings", "settings": settings.to_dict(), "reset": True,
                          "conventions": self._conventions(), "data": describe(problem, settings)})
        for trainer in self.trainers:
            trainer.frame_wanted.set()
            trainer.start()

    def _conventions(self) -> dict[str, Any]:
        """The global strength in every convention (L2 only), for m training rows and batch size B."""
        settings, problem = self.settings, self.problem
        if settings is None or problem is None:  # only asked once a network runs
            return {}
        output = problem.output
        table = None
        if settings.regularization == "l2":
            table = strength_table(settings.lam, "keras", n_samples=problem.n_train,
                                   batch_size=settings.batch_size, loss=output.loss, n_outputs=output.units).to_dict()
        return {"table": table, "playground_reason": playground_reason(output.loss), "m": problem.n_train,
                "batch_size": settings.batch_size, "loss": output.loss}

    async def _export(self, what: str) -> None:
        if not self.trainers:
            raise ValueError("There is no network to export yet. Received: an export before any settings")
        trainer = self.trainers[0]
        problem, user, weights = self.problem, self.user, self.initial_weights
        if problem is None:
            raise ValueError("There is no network to export yet. Received: an export before any settings")
        if what == "model":
            job = export.model_file
        else:

            def job(model: Any) -> bytes:
                return export.python_code(trainer.initial, problem, trainer.epochs, list(trainer.changes), user,
                                          weights).encode()
        try:
            content = await asyncio.wait_for(asyncio.wrap_future(trainer.request(job)), EXPORT_TIMEOUT)
        except TimeoutError:
            raise ValueError(f"The network did not reach an epoch boundary within {EXPORT_TIMEOUT:g} s to be "
                             f"exported; try again. Received: export what={what!r}") from None
        name, mime = ("playground.glassnet", "application/octet-stream") if what == "model" else \
            ("playground_run.py", "text/x-python")
        await self._send({"type": "export", "what": what, "filename": name, "mime": mime,
                          "base64": base64.b64encode(content).decode("ascii")})

    # --- frames --------------------------------------------------------------------------------------------------
    def _news(self) -> None:
        """From a worker: a picture or an error is ready."""
        self.loop.call_soon_threadsafe(self.wake.set)

    async def _send_frames(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.credit <= 0 or not self.trainers:
                continue
            networks, news = [], False
            for trainer in self.trainers:
                rows, picture, error = trainer.take()
                news = news or bool(rows) or picture is not None or error is not None
                networks.append({"epoch": trainer.epochs, "rows": protocol.blocks(rows), "picture": picture,
                                 "error": error})
            if not news:
                continue
            self.frame += 1
            self.credit -= 1
            self.shared.frames_sent += 1
            await self._send({"type": "frame", "n": self.frame,
                              "running": self.clock.running if self.clock is not None else False,
                              "networks": networks})
