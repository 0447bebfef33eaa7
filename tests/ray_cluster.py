"""A real Ray cluster on this machine, started as a user starts a head node, for tests and benches.

`ray start --head` with token authentication on, in its own temp folder and on free ports (so that
it never meets another Ray of the machine), in its own session: `stop()` ends exactly the processes
of that session (GCS, raylet, agents, workers). `ray stop` would end every Ray process of the
machine, other people's clusters included. Linux only (processes are found in /proc).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_this_checkout(env: Mapping[str, str]) -> dict[str, str]:
    """Driver and workers import the curate of this checkout, whatever else is installed."""
    paths = [str(ROOT), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return dict(env, PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)))


def _without_ray_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}


def _ray_exe() -> str:
    exe = Path(sys.executable).parent / "ray"
    return str(exe) if exe.exists() else (shutil.which("ray") or "ray")


def _session_pids(sid: int) -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[3]) == sid:
            pids.append(int(d))
    return pids


class Cluster:
    """`Cluster(num_cpus)` starts the head in the background; `address` waits until it is up."""

    def __init__(self, num_cpus: int = 2):
        # a short path: Ray's socket paths under it must fit in 107 bytes
        self.temp_dir = tempfile.mkdtemp(
            prefix="curate-ray-", dir="/tmp" if os.path.isdir("/tmp") else None
        )
        self.token = secrets.token_hex(32)
        self.port = free_port()
        self.started = time.perf_counter()
        self.start_seconds: float | None = None
        # as on a real head node: token authentication with the cluster's token. The workers
        # inherit this environment: that is how they import curate (a user installs it on every
        # node; here PYTHONPATH points at this checkout)
        env = with_this_checkout(
            dict(_without_ray_settings(), RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=self.token)
        )
        cmd = [
            _ray_exe(),
            "start",
            "--head",
            f"--port={self.port}",
            "--node-ip-address=127.0.0.1",
            f"--temp-dir={self.temp_dir}",
            f"--num-cpus={num_cpus}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--ray-client-server-port={free_port()}",
            f"--dashboard-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}",
            f"--dashboard-agent-grpc-port={free_port()}",
            f"--metrics-export-port={free_port()}",
            f"--runtime-env-agent-port={free_port()}",
        ]
        # its own session: every process of this cluster keeps this session id, even once
        # `ray start` has returned and they belong to init
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    @property
    def address(self) -> str:
        if self.start_seconds is None:
            out, _ = self.proc.communicate(timeout=180)
            if self.proc.returncode != 0:
                raise RuntimeError(f"ray start failed:\n{out[-3000:]}")
            self.start_seconds = time.perf_counter() - self.started
        return f"127.0.0.1:{self.port}"

    def driver_env(self, **extra: str) -> dict[str, str]:
        """A driver's environment: only the token (curate switches to token mode itself)."""
        env = dict(_without_ray_settings(), RAY_AUTH_TOKEN=self.token)
        env.update(extra)
        return with_this_checkout(env)

    def stop(self) -> None:
        if self.proc.poll() is None:  # still starting
            self.proc.kill()
            self.proc.communicate()
        for _ in range(2):
            for pid in _session_pids(self.proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.3)
        shutil.rmtree(self.temp_dir, ignore_errors=True)
