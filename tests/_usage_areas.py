"""Everyday uses of the stdlib, one function per area, run inside a fresh interpreter.

``tests/test_usage_sweep.py`` runs each in an interpreter of a child process (which then
closes it and exits).  Each function asserts what it got; an ``AssertionError`` or any other
exception reaches the test as ``ExecutionFailed``.
"""

from __future__ import annotations

import io


def threads() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    seen: list[int] = []
    lock = threading.Lock()

    def add(n: int) -> None:
        with lock:
            seen.append(n)

    workers = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert sorted(seen) == [0, 1, 2, 3]
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(abs, range(-3, 3))) == [3, 2, 1, 0, 1, 2]
        assert pool.submit(pow, 2, 10).result() == 1024


def asyncio_run() -> None:
    import asyncio

    async def double(n: int) -> int:
        await asyncio.sleep(0)
        return 2 * n

    async def main() -> list[int]:
        return list(await asyncio.gather(*(double(i) for i in range(3))))

    assert asyncio.run(main()) == [0, 2, 4]


def asyncio_to_thread() -> None:
    import asyncio

    async def main() -> int:
        return await asyncio.to_thread(sum, [1, 2, 3])

    assert asyncio.run(main()) == 6


def asyncio_run_until_complete() -> None:
    import asyncio

    async def answer() -> int:
        await asyncio.sleep(0.001)
        return 42

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(answer()) == 42
    finally:
        loop.close()


def subprocess_run() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True
    )
    assert proc.stdout == "42\n"


def ssl_context() -> None:
    import ssl

    context = ssl.create_default_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def sqlite() -> None:
    import sqlite3

    with sqlite3.connect(":memory:") as db:
        db.execute("create table t (k text, v integer)")
        db.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2)])
        assert db.execute("select sum(v) from t").fetchone() == (3,)
        assert db.execute("select k from t where v = ?", (2,)).fetchall() == [("b",)]
    db.close()


def json_and_re() -> None:
    import json
    import re

    data = {"a": [1, 2.5, None, True], "b": "é"}
    assert json.loads(json.dumps(data)) == data
    assert json.dumps({"x": 1}, indent=2, sort_keys=True) == '{\n  "x": 1\n}'
    pattern = re.compile(r"(\w+)@(\w+)\.com")
    assert pattern.findall("a@b.com, c@d.com") == [("a", "b"), ("c", "d")]
    assert re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1b22") == "a2b44"


def decimal_and_datetime() -> None:
    import datetime
    import decimal

    assert decimal.Decimal("1.1") + decimal.Decimal("2.2") == decimal.Decimal("3.3")
    with decimal.localcontext() as context:
        context.prec = 5
        assert str(decimal.Decimal(1) / decimal.Decimal(7)) == "0.14286"
    day = datetime.date(2024, 2, 28) + datetime.timedelta(days=1)
    assert day.isoformat() == "2024-02-29"
    moment = datetime.datetime.fromisoformat("2024-01-02T03:04:05+00:00")
    assert moment.strftime("%Y/%m/%d %H:%M") == "2024/01/02 03:04"
    assert moment.astimezone(datetime.UTC).hour == 3


def zoneinfo_use() -> None:
    import datetime
    import zoneinfo

    utc = zoneinfo.ZoneInfo("UTC")
    assert datetime.datetime.now(utc).utcoffset() == datetime.timedelta(0)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    summer = datetime.datetime(2024, 7, 1, 12, tzinfo=paris)
    assert summer.utcoffset() == datetime.timedelta(hours=2)
    assert summer.tzname() == "CEST"


def hashing() -> None:
    import hashlib
    import hmac

    assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf8f01cfea")
    assert hashlib.new("md5", b"").hexdigest() == "d41d8cd98f00b204e9800998ecf8427e"
    assert hashlib.blake2b(b"x", digest_size=4).digest_size == 4
    assert hmac.new(b"key", b"msg", "sha256").hexdigest().startswith("2d93cbc1be167bcb")
    assert hmac.compare_digest(b"a", b"a")
    assert hashlib.pbkdf2_hmac("sha256", b"p", b"s", 2).hex().startswith("1998f3")


def compression() -> None:
    import lzma
    import tarfile
    import zipfile
    import zlib

    data = b"interpreters " * 100
    assert zlib.decompress(zlib.compress(data, level=9)) == data
    assert lzma.decompress(lzma.compress(data)) == data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", data)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert archive.read("a.txt") == data
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("b.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    with tarfile.open(fileobj=buffer, mode="r:gz") as tar:
        member = tar.extractfile("b.bin")
        assert member is not None and member.read() == data


def csv_use() -> None:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["name", "n"])
    writer.writeheader()
    writer.writerow({"name": "a,b", "n": 1})
    assert out.getvalue() == 'name,n\r\n"a,b",1\r\n'
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows == [{"name": "a,b", "n": "1"}]


def email_use() -> None:
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser

    message = EmailMessage()
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message["Subject"] = "Hé"
    message.set_content("body\n")
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert parsed["Subject"] == "Hé"
    body = parsed.get_body()
    assert body is not None and body.get_content() == "body\n"


def xml_build() -> None:
    import xml.etree.ElementTree as ET

    root = ET.Element("a")
    ET.SubElement(root, "b", x="1").text = "t"
    assert ET.tostring(root) == b'<a><b x="1">t</b></a>'


def xml_parse() -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring('<a><b x="1">t</b><b x="2"/></a>')
    assert [b.get("x") for b in root.iter("b")] == ["1", "2"]


def logging_use() -> None:
    import logging

    stream = io.StringIO()
    logger = logging.getLogger("usage_sweep")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("hello %s", "there")
    logger.debug("hidden")
    assert stream.getvalue() == "INFO:usage_sweep:hello there\n"


def files() -> None:
    import pathlib
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        root = pathlib.Path(name)
        (root / "d").mkdir()
        (root / "d" / "f.txt").write_text("content")
        shutil.copytree(root / "d", root / "e")
        assert (root / "e" / "f.txt").read_text() == "content"
        assert sorted(p.name for p in root.iterdir()) == ["d", "e"]
        shutil.rmtree(root / "d")
        assert not (root / "d").exists()
    assert not root.exists()


def sockets() -> None:
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(connection.recv(100).upper())

    thread = threading.Thread(target=serve)
    thread.start()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(b"ping")
        assert client.recv(100) == b"PING"
    thread.join()
    server.close()


def queues() -> None:
    import queue
    import threading

    items: queue.Queue[int | None] = queue.Queue(maxsize=2)

    def produce() -> None:
        for i in range(5):
            items.put(i, timeout=10)
        items.put(None)

    thread = threading.Thread(target=produce)
    thread.start()
    got = []
    while (item := items.get(timeout=10)) is not None:
        got.append(item)
    thread.join()
    assert got == [0, 1, 2, 3, 4]
    ordered: queue.PriorityQueue[int] = queue.PriorityQueue()
    for n in (3, 1, 2):
        ordered.put(n)
    assert [ordered.get_nowait() for _ in range(3)] == [1, 2, 3]
    simple: queue.SimpleQueue[str] = queue.SimpleQueue()
    simple.put("x", block=True)
    assert simple.get(block=True, timeout=1) == "x"


def serialisation() -> None:
    import base64
    import pickle
    import struct

    value = {"a": (1, 2.0, b"x"), "b": [None, True]}
    assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
    assert struct.unpack_from("<hI", struct.pack("<hI", -2, 7), offset=0) == (-2, 7)
    assert base64.b64decode(base64.b64encode(b"\x00\xff")) == b"\x00\xff"


AREAS = (
    "threads",
    "asyncio_run",
    "asyncio_to_thread",
    "asyncio_run_until_complete",
    "subprocess_run",
    "ssl_context",
    "sqlite",
    "json_and_re",
    "decimal_and_datetime",
    "zoneinfo_use",
    "hashing",
    "compression",
    "csv_use",
    "email_use",
    "xml_build",
    "xml_parse",
    "logging_use",
    "files",
    "sockets",
    "queues",
    "serialisation",
)
