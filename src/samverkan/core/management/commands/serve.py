from __future__ import annotations

import signal
import subprocess
import sys
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# How a service manager, a terminal or a closed session stops the server.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
WORKER_STOP_SECONDS = 10


def stop_worker(worker: subprocess.Popen[bytes], timeout: float = WORKER_STOP_SECONDS) -> None:
    """Ask the worker to stop, wait for it, and kill it if it does not stop in time."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _stop(signum: int, frame: FrameType | None) -> None:
    # Further signals must not interrupt the clean-up below; then leave quietly.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Serve Samverkan on 127.0.0.1 with a background worker alongside."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            # SIGTERM and SIGHUP would otherwise end this process at once and leave the
            # worker running; now each ends the server through the clean-up below.
            previous = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
        worker = None
        try:
            if not options["no_worker"]:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "samverkan.cli", "db_worker", "--interval", "0.5"]
                )
                self.stdout.write(f"Bakgrundsjobb: arbetsprocess startad (pid {worker.pid}).")
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker is not None:
                stop_worker(worker)
            for stop_signal, handler in previous.items():
                signal.signal(stop_signal, handler)
