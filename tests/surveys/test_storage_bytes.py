"""The linkage attack on the bytes of an SQLite database file: after the close, the
responses lie in the file (and its write-ahead log) in an order unrelated to the order
they were sent in, and no earlier copy of any response survives in freed pages or in the
log. The in-memory test databases cannot show this, so the wave runs in a subprocess on
a fresh database file (``storage_bytes_run.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from scipy.stats import spearmanr

N = 120
MARK = re.compile(rb"MARK(\d{4})END")


def test_response_bytes_do_not_follow_submission_order_after_close(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SAMVERKAN_VAR_DIR": str(tmp_path),
        "SAMVERKAN_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    script = Path(__file__).with_name("storage_bytes_run.py")
    done = subprocess.run(  # noqa: S603 (this test's own script)
        [sys.executable, str(script), str(N)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    database = Path(done.stdout.strip().splitlines()[-1])
    assert database.is_file() and database.parent == tmp_path
    content = database.read_bytes()
    wal = database.with_name(database.name + "-wal")
    log = wal.read_bytes() if wal.exists() else b""
    assert MARK.search(log) is None, "the write-ahead log still holds responses"
    found = [int(m.group(1)) for m in MARK.finditer(content)]
    # Every response exactly once: no copy left from the batches written while the wave
    # was open (buffered responses are encrypted; deleted rows are overwritten).
    assert sorted(found) == list(range(N))
    rho, p_value = spearmanr(range(N), found)
    assert p_value > 0.01 and abs(rho) < 0.2, f"file order follows submissions: rho {rho:.3f}"
