"""A live `thads serve` (subprocess, 127.0.0.1, free port, temp data dir with a copy of the corpus
index) and Debian's chromium driven by Playwright. Users come from `thads admin create-user`,
submissions from the real citizen HTTP API."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, OFFICE, PASSWORD, REPO, THADS  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveService:
    url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "thads.db"

    def thads(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([THADS, *args, "--data-dir", str(self.data_dir)], env=self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=REPO)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""


def _service_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    env.update({
        "THADS_API_HOST": "127.0.0.1", "THADS_API_PORT": str(port), "THADS_DEFAULT_OFFICE": OFFICE,
        "THADS_RATE_SUBMIT_PER_MINUTE": "0", "THADS_RATE_LOOKUP_PER_MINUTE": "0", "THADS_RATE_LOGIN_PER_MINUTE": "0",
        "THADS_EMBED_THREADS": "1", "OMP_NUM_THREADS": "1", "ANONYMIZED_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    })
    return env


@pytest.fixture(scope="module")
def service(corpus_settings, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is missing: `make browser` (apt-get install -y chromium)")
    data_dir = tmp_path_factory.mktemp("web-data")
    shutil.copytree(corpus_settings.index_dir, data_dir / "index")
    port = _free_port()
    env = _service_env(port)
    users = [("canbo", "handler"), ("lanhdao", "supervisor")]
    makers = [subprocess.Popen([THADS, "admin", "create-user", name, "--role", role, "--password", PASSWORD,
                                "--data-dir", str(data_dir)], env=env, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True) for name, role in users]
    for maker in makers:
        out, _ = maker.communicate(timeout=120)
        assert maker.returncode == 0, out
    log_path = data_dir / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([THADS, "serve", "--data-dir", str(data_dir)], env=env, cwd=REPO, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    live = LiveService(f"http://127.0.0.1:{port}", data_dir, env, process, log_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{live.url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"thads serve did not start:\n{live.log_tail()}")
        time.sleep(0.2)
    yield live
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is missing: `make browser` (apt-get install -y chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
