"""Extraction off the reactor thread: worker processes the `rates` spider awaits.

Extraction is pure CPU (lxml, regexes), so on the reactor thread it stalls every download
while it runs. In a worker process it runs on another core while the reactor keeps fetching;
a thread would not help (the GIL). Small crawls stay inline (RATEBENCH_EXTRACT_POOL_MIN_PAGES).
Compressing the page for the evidence store stays in the crawl process: in a large crawl the
worker is the busier of the two, and the page's body need not travel back (benchmarks/ANALYSIS.md).

Pages go to a worker and results come back over its stdin and stdout, read and written by the
reactor's own event loop. concurrent.futures' process pool moved them with two threads of its
own, which must take the GIL from the busy reactor for every page; on 2,000 pages the pipes
fetch ~10% faster (benchmarks/ANALYSIS.md) and the worker weighs ~50 MB instead of ~70 MB.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import traceback
from collections import deque
from typing import Any, BinaryIO, NamedTuple

from w3lib.encoding import html_to_unicode

from benchmark.model import RatePlan

logger = logging.getLogger(__name__)

# A frame: its length (8 bytes, big-endian), then a pickle. Requests are PageToRead;
# replies are (True, result) or (False, (the exception extraction raised, its
# formatted traceback)).
HEADER = struct.Struct("!Q")


class WorkerDied(RuntimeError):
    """An extraction worker exited with pages still in it (killed, or crashed inside lxml)."""


class RemoteTraceback(Exception):
    """Where in the worker an extraction error was raised (set as that error's __cause__)."""

    def __str__(self) -> str:
        return f"\n\"\"\"\n{self.args[0]}\"\"\""


class PageReading(NamedTuple):
    """What a page gave: its plans and what went wrong reading them. Plain data, so that the
    crawl process, which only receives it, never loads the extraction code (lxml, extruct, the
    page objects) it doesn't run."""

    plans: list[RatePlan]
    warnings: list[str]


class PageToRead(NamedTuple):
    """One fetched page to extract: the encoding of its body (Scrapy's `TextResponse.encoding`),
    its URL, the registry's country and currency hints, its raw body, and the structured-data
    syntaxes its markup holds where the crawl process could tell from the bytes
    (scrapers.markup.body_syntaxes). The body travels as bytes: the crawl process, busy
    fetching, leaves decoding it to the worker."""

    encoding: str
    url: str
    country: str | None
    currency: str | None
    body: bytes
    syntaxes: list[str] | None = None

    def text(self) -> str:
        """The body decoded as Scrapy's `TextResponse.text` decodes it, given its encoding."""
        return html_to_unicode(f"charset={self.encoding}", self.body)[1]


def read_page(page: PageToRead) -> PageReading:
    """Extract the page's plans."""
    from scrapers.extraction import extract_plans

    extraction = extract_plans(page.text(), page.url, country=page.country,
                               currency=page.currency, structured_syntaxes=page.syntaxes)  # fmt: skip
    return PageReading(extraction.plans, extraction.warnings)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """A worker's loop: read a page, reply with its plans, until the crawl closes our stdin."""
    while (header := _read_exactly(requests, HEADER.size)) is not None:
        payload = _read_exactly(requests, HEADER.unpack(header)[0])
        if payload is None:
            break
        try:
            data = pickle.dumps((True, read_page(pickle.loads(payload))),
                                protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the crawl records it as the page's extraction failure
            data = _failure(exc)
        replies.write(HEADER.pack(len(data)) + data)
        replies.flush()


def _failure(exc: Exception) -> bytes:
    """A failure reply: the exception itself, or a RuntimeError naming it if it won't pickle."""
    trace = "".join(traceback.format_exception(exc))
    try:
        return pickle.dumps((False, (exc, trace)), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        stand_in = RuntimeError(f"{type(exc).__name__}: {exc}")
        return pickle.dumps((False, (stand_in, trace)), protocol=pickle.HIGHEST_PROTOCOL)


def main() -> None:
    """`python -m scrapers.offload`: a worker on its stdin and stdout."""
    # Ctrl-C is the crawl's to handle (it closes our stdin); stdout carries only replies, so
    # anything printed goes to stderr instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import scrapers.extraction  # noqa: F401 - load extraction before the first page arrives

    serve(sys.stdin.buffer, replies)
    replies.flush()
    # Nothing is left to clean up, and the crawl waits for this exit: skip the interpreter's
    # teardown of every module and object (~0.15 s), as multiprocessing's workers do.
    os._exit(0)


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A live process's peak resident memory, MB (VmHWM: unlike ru_maxrss, not carried over
    from the parent across fork and exec); None once it has exited or where /proc is missing."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# Bytes a worker's pipes hold: ~40 pages sent (their raw bodies), and far more replies. A default
# 64 KB pipe held about one page, so the worker sat idle until the busy reactor came round to
# write it the next one (~18% of a 2,000-page crawl's time, benchmarks/ANALYSIS.md). 1 MB is
# Linux's limit for unprivileged processes (/proc/sys/fs/pipe-max-size).
PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Give a pipe PIPE_BYTES of buffer where the system allows (Linux); else leave it."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # not Linux, or a lower pipe-max-size: still works
        logger.debug("pipe %d keeps its default size", fd)


class Worker:
    """One worker process and the pages in it, in the order sent (it answers in that order)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # The crawl's own import path, so the worker finds this code wherever the crawl found it.
        path = os.pathsep.join(entry or os.getcwd() for entry in sys.path)
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "scrapers.offload"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path},
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests_fd = self.process.stdin.fileno()
        self.replies_fd = self.process.stdout.fileno()
        os.set_blocking(self.requests_fd, False)
        os.set_blocking(self.replies_fd, False)
        for fd in (self.requests_fd, self.replies_fd):
            _widen_pipe(fd)
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.unsent = bytearray()
        self.received = bytearray()
        self.alive = True
        loop.add_reader(self.replies_fd, self._on_readable)

    def submit(self, page: PageToRead) -> asyncio.Future[Any]:
        if not self.alive:
            raise WorkerDied("the extraction worker has exited")
        data = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[Any] = self.loop.create_future()
        self.waiting.append(future)
        sending = not self.unsent
        self.unsent += HEADER.pack(len(data))
        self.unsent += data
        if sending:
            self._on_writable()
        return future

    def _on_writable(self) -> None:
        try:
            sent = os.write(self.requests_fd, self.unsent)
        except BlockingIOError:
            sent = 0
        except BrokenPipeError:
            self._died()
            return
        del self.unsent[:sent]
        if self.unsent:
            self.loop.add_writer(self.requests_fd, self._on_writable)
        else:
            self.loop.remove_writer(self.requests_fd)

    def _on_readable(self) -> None:
        try:
            chunk = os.read(self.replies_fd, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self._died()
            return
        self.received += chunk
        while len(self.received) >= HEADER.size:
            size = HEADER.unpack_from(self.received)[0]
            end = HEADER.size + size
            if len(self.received) < end:
                break
            frame = bytes(self.received[HEADER.size:end])
            del self.received[:end]
            future = self.waiting.popleft()
            if not future.cancelled():
                self._settle(future, frame)

    @staticmethod
    def _settle(future: asyncio.Future[Any], frame: bytes) -> None:
        """Resolve a page's future from its reply; a reply that can't be read fails the page."""
        try:
            ok, value = pickle.loads(frame)
        except Exception as exc:
            future.set_exception(exc)
            return
        if ok:
            future.set_result(value)
        else:
            error, trace = value
            error.__cause__ = RemoteTraceback(trace)
            future.set_exception(error)

    def _died(self) -> None:
        """Stop watching the worker and fail the pages still in it."""
        if not self.alive:
            return
        self.alive = False
        self.loop.remove_reader(self.replies_fd)
        self.loop.remove_writer(self.requests_fd)
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerDied(
                    f"extraction worker {self.process.pid} exited "
                    f"(code {self.process.poll()})"))

    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid) if self.process.poll() is None else None

    def close(self, *, wait: bool = True) -> None:
        """Let the worker exit (EOF on its stdin) and reap it; kill it instead if told not to
        wait or if pages are still in it (a crawl stopped early does not wait for them)."""
        abandoned = bool(self.waiting)
        self._died()
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.close()
        except BrokenPipeError:  # it had exited with requests unread
            pass
        if abandoned or not wait:
            self.process.kill()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class Extractor:
    """`read_page` inline, or in `workers` worker processes once there are enough pages."""

    # Workers replaced after dying before the crawl gives up on them and extracts inline: a
    # worker that can't live (it fails to start, or every page kills it) must not fail them all.
    MAX_WORKER_DEATHS = 3

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self.pool: list[Worker] = []
        self.deaths = 0

    def start(self) -> None:
        """Start the workers now, so they load while the first pages download."""
        if self.workers and not self.pool:
            loop = asyncio.get_event_loop()
            self.pool = [Worker(loop) for _ in range(self.workers)]

    async def read_page(self, page: PageToRead) -> PageReading:
        """The page read inline or by a worker; raises what extraction raises (the spider
        records it)."""
        if not self.pool:
            return read_page(page)
        worker = min(self.pool, key=lambda w: len(w.waiting))
        try:
            return await worker.submit(page)
        except WorkerDied:
            # The pages it held fail; later ones go to a fresh worker (once per death).
            if worker in self.pool and not worker.alive:
                self._replace(worker, page.url)
            raise

    def _replace(self, dead: Worker, url: str) -> None:
        dead.close(wait=False)
        self.pool.remove(dead)
        self.deaths += 1
        if self.deaths >= self.MAX_WORKER_DEATHS:
            logger.error("extraction worker died on %s, %d workers so far; extracting inline "
                         "from now on", url, self.deaths)
            self.close(wait=False)
            return
        logger.error("extraction worker died on %s; starting a new one", url)
        self.pool.append(Worker(dead.loop))

    def workers_peak_rss_mb(self) -> float | None:
        """The workers' peak memory, summed (None inline or where /proc is missing)."""
        peaks = [p for p in (w.peak_rss_mb() for w in self.pool) if p is not None]
        return sum(peaks) if peaks else None

    def close(self, *, wait: bool = True) -> None:
        for worker in self.pool:
            worker.close(wait=wait)
        self.pool = []


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy: replies must pickle as
    # scrapers.offload.PageReading, which the crawl process can unpickle.
    from scrapers.offload import main as worker_main

    worker_main()
