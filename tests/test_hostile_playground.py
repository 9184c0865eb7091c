"""A broken or malicious client cannot crash the playground's server or make it allocate without bound: every bad
message gets one clear message and the session goes on; oversized messages, floods, extra pages, other origins and
rebinding hosts are refused; a page that leaves or stops reading frees or bounds what it used."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from glassnet.playground import protocol
from glassnet.playground.server import BackgroundServer

MAX_SESSIONS = 4
# The tests keep connections open across helpers, as a page does, instead of one `with` block per connection.
pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager")


@pytest.fixture(scope="module")
def server():
    running = BackgroundServer(max_sessions=MAX_SESSIONS).start()
    yield running
    running.stop()


def ws_url(server) -> str:
    return server.url.replace("http://", "ws://") + "ws"


def receive(ws, kinds=("settings", "error"), timeout=10.0) -> dict:
    """The next message of one of ``kinds`` (frames are acknowledged on the way, as a page would)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == "frame":
            ws.send(json.dumps({"type": "ack", "frame": message["n"]}))
        if message["type"] in kinds:
            return message


def session(server, settings=None):
    ws = connect(ws_url(server), max_size=None)
    assert receive(ws, ("hello",))["limits"]["max_neurons"] == 8
    ws.send(json.dumps({"type": "settings", "settings": settings or {"hidden": "3", "dataset": "circle"}}))
    assert receive(ws)["type"] == "settings"
    return ws


def still_works(ws) -> None:
    ws.send(json.dumps({"type": "settings", "settings": {"hidden": "2", "dataset": "circle"}}))
    assert receive(ws)["type"] == "settings"


def workers() -> int:
    return sum(t.name.startswith("glassnet-playground-") and t.name != "glassnet-playground-server"
               for t in threading.enumerate())


BAD_MESSAGES = [
    ("not json", "Messages must be JSON. Received: text that is not"),
    ("", "Messages must be JSON."),
    ("[]", "A message must be an object whose `type` is one of"),
    ("1e999", "A message must be an object whose `type` is one of"),
    ('{"type": "nope"}', "Received: type='nope'"),
    ('{"type": "control", "action": "explode"}', ("Argument `action` must be one of ['pause', 'play', 'regenerate', "
                                                 "'reset', 'step']. Received: action='explode'")),
    ('{"type": "export", "what": "weights"}', "Argument `what` must be one of ['code', 'model']"),
    ('{"type": "settings", "settings": [1]}', "Argument `settings` must be an object. Received: settings=list"),
    ('{"type": "settings", "settings": {"hidden": "99"}}', "Argument `hidden[0]` must be an integer in [1, 8]"),
    ('{"type": "settings", "settings": {"lambda": NaN}}', ("Messages must be plain JSON (no NaN or Infinity). "
                                                          "Received: NaN")),
    ('{"type": "settings", "settings": {"lambda": -Infinity}}', "Received: -Infinity"),
    ('{"type": "settings", "settings": {"x": 1}}', "Unknown settings ['x']"),
    ('{"type": "settings", "settings": {"seed": 1e300}}', "Argument `seed` must be an integer in [0, 4294967295]"),
    ('{"type": "settings", "settings": {"dataset": "data"}}', "This URL uses your own data set"),
    ("[" * 100_000 + "]" * 100_000, "Messages must be JSON. Received: text that is not"),
    ("[" * 60_000 + "]" * 60_000, "Messages must be JSON. Received: text that is not"),
    (json.dumps({"type": "control", "action": "play", "pad": "x" * 70_000}), "A control message must be at most 65536"),
    ('{"type": "upload", "csv": ""}', "Argument `csv` must be the text of a CSV file"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n" + "1,2,3\n" * 175_000}),
     "An uploaded file must be at most 1024 KiB"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n1,2,x\n"}), "upload.csv, line 2, column 'c': 'x' is not a number"),
    (json.dumps({"type": "upload", "csv": "a,b,c,d\n1,2,3,0\n4,5,6,1\n"}), "exactly 2 feature columns"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n" + "1,2,0\n" * 10_001}), "must have 2 to 10000 rows"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n1,2,0\n3,4,1\n", "target": "zz"}), "no column named 'zz'"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n1,2,0\n", "target": 3}), "Argument `target` must be a column name"),
    (json.dumps({"type": "upload", "name": "../../etc/passwd", "csv": "a,b\n1,x\n"}), "\"passwd.csv, line 2"),
]


@pytest.mark.parametrize("text, message", BAD_MESSAGES, ids=range(len(BAD_MESSAGES)))
def test_a_bad_message_gets_one_clear_message_and_the_session_goes_on(server, outcome, text, message):
    with session(server) as ws:
        ws.send(text)
        reply = receive(ws, ("error",))
        assert message.lstrip('"') in reply["message"], reply["message"]
        if message.startswith('"'):  # the name as given never reaches a path: it is reduced to a plain file name
            assert reply["message"].startswith(message[1:])
        assert reply["settings"]["hidden"] == [3]  # the page learns the state it still has
        still_works(ws)
    outcome("refused cleanly")


def test_commands_before_any_settings_are_refused(server, outcome):
    with connect(ws_url(server)) as ws:
        receive(ws, ("hello",))
        for text, message in [('{"type": "control", "action": "play"}', "Send the settings first"),
                              ('{"type": "export", "what": "code"}', "There is no network to export yet"),
                              (b"\x00\x01", "Messages must be JSON text. Received: a binary message")]:
            ws.send(text)
            assert message in receive(ws, ("error",))["message"]
            outcome("refused cleanly")


def test_a_message_beyond_the_size_limit_closes_that_connection_only(server, outcome):
    with session(server) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.send("x" * (protocol.MAX_FRAME_IN + 1))  # the server may close while the frame is still going out
            receive(ws, ("error",))
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    with session(server) as ws:
        still_works(ws)
    outcome("recovered")


def test_a_flood_is_dropped_then_disconnected(server, outcome):
    with session(server) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(20_000):
                ws.send('{"type": "ack", "frame": 1}')
            receive(ws, ("error",), timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    with session(server) as ws:
        still_works(ws)
    outcome("refused cleanly")


def test_one_page_too_many_is_told_so(server, outcome):
    pages = [session(server) for _ in range(MAX_SESSIONS)]
    try:
        with connect(ws_url(server)) as extra:
            reply = json.loads(extra.recv(timeout=10))
            assert reply["type"] == "error" and "already serves 4 pages" in reply["message"]
            with pytest.raises(ConnectionClosed):
                extra.recv(timeout=10)
    finally:
        for page in pages:
            page.close()
    time.sleep(0.3)
    with session(server) as ws:  # the closed pages' places are free again
        still_works(ws)
    outcome("refused cleanly")


def test_another_origin_cannot_open_a_session(server, outcome):
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(server), origin="http://evil.example")
    assert refused.value.response.status_code == 403
    outcome("refused cleanly")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "10.0.0.1"])
def test_a_rebinding_host_is_refused(server, outcome, host):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/", headers={"Host": host})
    assert conn.getresponse().status == 400
    conn.close()
    outcome("refused cleanly")


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/..%2fserver.py", "/static/%2e%2e/session.py"])
def test_no_file_outside_the_static_folder_is_served(server, outcome, path):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 404 and b"import" not in response.read()
    conn.close()
    outcome("refused cleanly")


def test_a_page_that_leaves_mid_training_frees_its_workers(server, outcome):
    before = workers()
    for _ in range(3):
        ws = session(server, {"twin": "no-penalty", "speed": 0})
        ws.send(json.dumps({"type": "control", "action": "play"}))
        receive(ws, ("frame",))
        ws.close()  # gone without a word, mid-epoch
    deadline = time.monotonic() + 20
    while workers() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers() == before
    outcome("recovered", count=3)


def test_a_page_that_stops_drawing_gets_no_more_frames_and_loses_no_epoch(server, outcome):
    with session(server, {"speed": 0, "hidden": "2", "dataset": "circle"}) as ws:
        ws.send(json.dumps({"type": "control", "action": "play"}))
        first = json.loads(ws.recv(timeout=10))
        while first["type"] != "frame":
            first = json.loads(ws.recv(timeout=10))
        before = server.shared.frames_sent
        time.sleep(1.0)  # no ack: the server must not send (nor queue) anything
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)
        assert server.shared.frames_sent == before
        epochs = [e for net in first["networks"][:1] for block in net["rows"] for e in block["epochs"]]
        ws.send(json.dumps({"type": "ack", "frame": first["n"]}))
        ws.send(json.dumps({"type": "control", "action": "pause"}))
        try:  # the backlog arrives in the next frames, every epoch once, in order; then nothing (paused)
            while True:
                message = json.loads(ws.recv(timeout=1.0))
                if message["type"] == "frame":
                    epochs += [e for block in message["networks"][0]["rows"] for e in block["epochs"]]
                    ws.send(json.dumps({"type": "ack", "frame": message["n"]}))
        except TimeoutError:
            pass
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) > 20
    outcome("nothing lost")
