"""A Streamlit server for the browser benchmarks: ``streamlit run app.py`` in a folder, on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The server (started, answering its health check) and its port; its output goes to ``log``."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=folder,
        env=os.environ.copy(),
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.25)
    return server, port
