"""Real processes for tests: `thads` commands and a Chroma server in their own process groups, each with
a log file, stopped by their own pid (never by name)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def thads_env(**settings: object) -> dict[str, str]:
    """The parent environment without any THADS_* variable, plus the given settings (THADS_ prefixed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    env.update(OMP_NUM_THREADS="1", ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONUNBUFFERED="1")
    env.update({f"THADS_{k.upper()}": str(v) for k, v in settings.items() if v is not None})
    return env


class Proc:
    """One child process (own session, so its children can be signalled together), output to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.log_path = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("ab")
        self.popen = subprocess.Popen(args, env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)

    @classmethod
    def thads(cls, *args: str, env: dict[str, str], log: Path) -> "Proc":
        return cls([sys.executable, "-m", "thads.cli", *args], env, log)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise AssertionError(f"{self.args[1:5]} did not finish in {timeout}s:\n{self.output()[-3000:]}") from exc

    def send(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signal the process, wait, and kill its group if it hangs; returns the exit code."""
        self.send(sig)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.popen.wait(5)
        finally:
            self._log.close()

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the group is this process's own session
        except ProcessLookupError:
            pass


def wait_http(url: str, proc: Proc | None = None, timeout: float = 90, status: int | None = 200) -> httpx.Response:
    """Poll until `url` answers (with `status`, if given); fail early when the process died."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError(f"process exited ({proc.popen.returncode}) before {url} answered:\n{proc.output()[-3000:]}")
        try:
            resp = httpx.get(url, timeout=5)
            if status is None or resp.status_code == status:
                return resp
            last = f"{resp.status_code} {resp.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    tail = proc.output()[-3000:] if proc is not None else ""
    raise AssertionError(f"{url} did not answer {status} in {timeout}s (last: {last})\n{tail}")


class ChromaServer:
    """`chroma run` (the chromadb package's CLI) on 127.0.0.1 with a temporary persist dir."""

    def __init__(self, path: Path, log: Path) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        env = thads_env()
        self.proc = Proc([str(CHROMA), "run", "--path", str(path), "--host", self.host, "--port", str(self.port)], env, log)
        wait_http(f"http://{self.host}:{self.port}/api/v2/heartbeat", self.proc, timeout=60)

    def stop(self) -> None:
        self.proc.stop(signal.SIGTERM, timeout=10)


def session_members(sid: int) -> list[int]:
    """Pids still alive in session `sid` (a process started with start_new_session leads one)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, session, …
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


class ThreadServer:
    """A FastAPI app under a real uvicorn on 127.0.0.1 (free port), in a thread of the test process."""

    def __init__(self, app) -> None:  # noqa: ANN001
        import threading

        import uvicorn

        self.app = app
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def stop(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)


GUIDES = ("tu-nguyen-va-cuong-che.md", "khieu-nai-thi-hanh-an.md")


def copy_guides(folder: Path) -> Path:
    """Two of the bundled procedure guides, copied into `folder`: a real but quick corpus to index."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for name in GUIDES:
        shutil.copy2(REPO / "corpus" / "procedures" / name, folder / name)
    return folder
