"""``samverkan serve`` (and ``samverkan demo``, which serves through it) stops its
background worker when it is stopped the way a service manager stops it: a real server
process against a temporary SQLite database, a signal, and both processes gone."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

WORKER_LINE = re.compile(r"pid (\d+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gone(pid: int) -> bool:
    """The process has exited and been reaped (a zombie still counts: reaping the worker
    is part of stopping it)."""
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'samverkan.sqlite3'}",
        "SAMVERKAN_VAR_DIR": str(var),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "samverkan.cli", "migrate", "--verbosity", "0"],
        env=env,
        check=True,
        timeout=300,
    )
    return env


@pytest.fixture
def server(environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "samverkan.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = 0
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = WORKER_LINE.search(line)
        assert found, line
        worker = int(found.group(1))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the server answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        yield process, worker
    finally:
        for pid in (process.pid, worker):
            if pid and not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_server_stops_its_worker(
    server: tuple[subprocess.Popen[str], int], signum: int
) -> None:
    process, worker = server
    assert not _gone(worker)
    process.send_signal(signum)
    assert process.wait(timeout=15) == 0
    deadline = time.monotonic() + 5
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(worker), "the worker outlived the server"
