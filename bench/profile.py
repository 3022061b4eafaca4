"""py-spy profiles of running processes, summarised as the functions that took the most time."""
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter


def py_spy():
    """The py-spy command next to this Python, or on the PATH (None if neither)."""
    here = os.path.join(os.path.dirname(sys.executable), "py-spy")
    return here if os.path.exists(here) else shutil.which("py-spy")


class Recorder:
    """`py-spy record` attached to processes until stop(); then a text summary."""

    def __init__(self, processes, folder, name, pids, rate=200):
        self.processes = processes
        self.files = [os.path.join(folder, f"{name}-{pid}.raw") for pid in pids]
        command = py_spy()
        if command is None:
            raise RuntimeError("py-spy is not installed (pip install -r requirements-bench.txt)")
        self.running = [processes.start(f"py-spy-{name}-{pid}", [command, "record", "--pid", str(pid), "--rate",
                                                                 str(rate), "--format", "raw", "--nonblocking",
                                                                 "-o", path], dict(os.environ))
                        for pid, path in zip(pids, self.files)]

    def stop(self):
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for process in self.running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                pass
            self.processes.stop(process)

    def summary(self, top=30):
        """The functions with the most samples on the stack (inclusive), as text."""
        inclusive, samples = Counter(), 0
        for path in self.files:
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for line in f:
                    stack, _, count = line.rstrip("\n").rpartition(" ")
                    if not count.isdigit():
                        continue
                    count = int(count)
                    samples += count
                    for frame in set(stack.split(";")):
                        inclusive[frame] += count
        lines = [f"{samples} samples"]
        for frame, count in inclusive.most_common(top):
            lines.append(f"{100 * count / max(samples, 1):5.1f}%  {frame}")
        return "\n".join(lines)
