"""Processes a benchmark starts (each in its own session, all stopped at the end) and their memory."""
import os
import signal
import socket
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, process, seconds=30.0):
    """Wait until url answers (any status); raise if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process for {url} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f}s")


def _processes_where(field, value):
    """The ids of the processes whose /proc stat field (after the name) equals value."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[field]) == value:
            found.append(int(entry))
    return found


def children(pid):
    """The ids of a process's direct children (from /proc)."""
    return _processes_where(1, pid)


def group_members(group):
    """The ids of the processes in a process group (from /proc)."""
    return _processes_where(2, group)


def peak_rss_mb(pid):
    """The process's peak resident set size so far (VmHWM), in MB; None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Processes:
    """Start processes (logs in a folder) and stop every one of them: SIGTERM, then SIGKILL."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.running = []

    def start(self, name, argv, env):
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.running.append((name, process, log))
        return process

    def stop(self, process, seconds=15):
        """Stop one process and its group (gunicorn's workers, for instance)."""
        for name, running, log in list(self.running):
            if running is process:
                self._stop(running, seconds)
                log.close()
                self.running.remove((name, running, log))

    @staticmethod
    def _stop(process, seconds):
        group = process.pid  # each was started in its own session: its pid is its group
        if process.poll() is None:
            try:
                os.killpg(group, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        # Members of the group that outlived their leader (a gunicorn worker, say), one by one.
        for pid in group_members(group):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop_all(self):
        for _, process, log in reversed(self.running):
            self._stop(process, 15)
            log.close()
        self.running = []
