"""Generator processes that die with the seed, whatever kills it.

Not multiprocessing: its forkserver, resource tracker and queue semaphores outlived a
seed killed with SIGKILL or SIGHUP (orphans holding hundreds of MB, issue 12). Here each
worker is a plain child process (a Python running main() below) that talks over
its stdin and stdout only: it reads a job, then chunk requests, and writes chunks back.

A worker exits when its stdin reaches EOF (the parent closed it or died: the kernel
closes a dead process's pipes) and when writing a chunk fails (the reader is gone); on
Linux it also asks for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so one
busy building a Faker pool does not finish it first. No shared memory, no semaphores,
no helper process: nothing else to leave behind. One thread per worker in the parent
feeds it from a shared queue and resolves concurrent.futures.Future objects.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from .generate import GenJob

_HEAD = struct.Struct(">cQ")     # kind (j: job, t: task, o: chunk, e: error), payload length
PR_SET_PDEATHSIG = 1
_MAIN = "from pgconsole.seed.workers import main; main()"


class WorkerError(Exception):
    """A generator failed in a worker process: the original type name and message."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _send(stream: IO[bytes], kind: bytes, payload: bytes) -> None:
    stream.write(_HEAD.pack(kind, len(payload)))
    stream.write(payload)
    stream.flush()


def _recv(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    head = stream.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    kind, n = _HEAD.unpack(head)
    payload = stream.read(n)
    return None if len(payload) < n else (kind, payload)


class WorkerPool:
    """`jobs` generator processes for one GenJob; submit(table, index, names) -> Future[bytes]."""

    def __init__(self, job: GenJob, jobs: int) -> None:
        # (future, (table, index, columns)) per chunk; None: stop
        self.tasks: queue.SimpleQueue[tuple[Future[bytes], tuple[str, int, tuple[str, ...]]] | None] = queue.SimpleQueue()
        blob = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])    # pgconsole importable, installed or not
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.procs: list[subprocess.Popen[bytes]] = []
        self.threads: list[threading.Thread] = []
        for k in range(jobs):
            p = subprocess.Popen([sys.executable, "-c", _MAIN, str(os.getpid())],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env=env, close_fds=True)
            self.procs.append(p)
            t = threading.Thread(target=self._serve, args=(p, blob), name=f"pgconsole-seed-{k}", daemon=True)
            t.start()
            self.threads.append(t)

    def submit(self, table: str, index: int, names: tuple[str, ...]) -> Future[bytes]:
        f: Future[bytes] = Future()
        self.tasks.put((f, (table, index, names)))
        return f

    def _serve(self, proc: subprocess.Popen[bytes], blob: bytes) -> None:
        assert proc.stdin is not None and proc.stdout is not None   # both PIPEs
        try:
            _send(proc.stdin, b"j", blob)
        except OSError:
            pass   # it died at start: the first task says so
        while True:
            item = self.tasks.get()
            if item is None:
                return
            f, args = item
            if not f.set_running_or_notify_cancel():
                continue
            try:
                _send(proc.stdin, b"t", pickle.dumps(args))
                reply = _recv(proc.stdout)
            except (OSError, ValueError):
                reply = None
            if reply is None:
                f.set_exception(WorkerError("WorkerExited", f"generator process {proc.pid} exited "
                                                            f"(status {proc.poll()})"))
            elif reply[0] == b"o":
                f.set_result(reply[1])
            else:
                f.set_exception(WorkerError(*pickle.loads(reply[1])))

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers; wait=False drops queued tasks and kills the processes."""
        if not wait:
            while True:
                try:
                    item = self.tasks.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in self.threads:
            self.tasks.put(None)
        if not wait:
            for p in self.procs:
                p.kill()
        for t in self.threads:
            t.join()
        for p in self.procs:
            for s in (p.stdin, p.stdout):
                try:
                    if s is not None:   # (PIPEs: never None)
                        s.close()
                except OSError:
                    pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass   # stdin's EOF still ends it
    if os.getppid() != parent:   # it died before prctl took effect
        os._exit(0)


def main() -> None:
    _die_with_parent(int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the parent's to handle
    inp, out = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)    # a stray print cannot corrupt the chunk stream
    from .generate import Generator
    gen: Generator | None = None
    try:
        while True:
            msg = _recv(inp)
            if msg is None:
                return
            kind, payload = msg
            if kind == b"j":
                gen = Generator(pickle.loads(payload))
                continue
            table, index, names = pickle.loads(payload)
            try:
                assert gen is not None   # the job comes first
                data = gen.chunk(table, index, names)
            except Exception as exc:   # reported by the parent as "table ...: generating rows failed"
                _send(out, b"e", pickle.dumps((type(exc).__name__, str(exc))))
            else:
                _send(out, b"o", data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        os._exit(0)
