"""The extraction worker process (scrapers/offload.py): pages over its pipes, errors, deaths.

Real worker processes on a real event loop; the crawl-level comparison with inline extraction is
in test_crawl_offload.py.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from scrapy.http import HtmlResponse

from scrapers.market.snapshots import SNAPSHOTS_DIR
from scrapers.offload import (
    PIPE_BYTES,
    Extractor,
    PageReading,
    PageToRead,
    RemoteTraceback,
    Worker,
    WorkerDied,
    _failure,
    read_page,
)

FETCHED_AT = datetime(2026, 10, 7, 3, 0, tzinfo=UTC)
PAGE_DIR = SNAPSHOTS_DIR / "2026-10-07" / "www.nexa.com" / "pricing"


def page_of(body: bytes, url: str = "https://www.nexa.com/pricing") -> PageToRead:
    return PageToRead("utf-8", url, "US", "USD", body)


@pytest.fixture
def body() -> bytes:
    return (PAGE_DIR / "input.html").read_bytes()


T = TypeVar("T")


def run(coroutine_fn: Callable[[Extractor], Awaitable[T]]) -> T:
    """Run `coroutine_fn(extractor)` with a started one-worker Extractor, closed afterwards."""

    async def main() -> T:
        extractor = Extractor(1)
        extractor.start()
        try:
            # A lost reply would hang the test: fail it instead.
            return await asyncio.wait_for(coroutine_fn(extractor), timeout=60)
        finally:
            extractor.close()

    return asyncio.run(main())


def test_worker_reads_pages_as_inline_extraction_does(body: bytes) -> None:
    expected = read_page(page_of(body))
    assert expected.plans, f"{PAGE_DIR} should give plans"

    async def read_many(extractor: Extractor) -> list[Any]:
        # Many pages in flight at once come back each to its own caller: the same page, each
        # time with its first plan renamed, so that a reply given to the wrong caller shows.
        pages = [page_of(body.replace(b"100 Minutes", f"{1000 + n} Minutes".encode()))
                 for n in range(20)]  # fmt: skip
        return list(await asyncio.gather(*(extractor.read_page(p) for p in pages)))

    results = run(read_many)
    assert isinstance(results, list) and len(results) == 20
    for n, reading in enumerate(results):
        assert isinstance(reading, PageReading)
        first, *rest = [p.to_contract() for p in reading.plans]
        assert first["name"] == f"{1000 + n} Minutes"
        assert rest == [p.to_contract() for p in expected.plans[1:]]
        assert reading.warnings == expected.warnings


def test_an_extraction_error_comes_back_with_the_workers_traceback(body: bytes) -> None:
    page = page_of(body)
    # A body that is not bytes: decoding it fails inside the worker.
    bad = page._replace(body="not bytes")

    async def read_bad_then_good(extractor: Extractor) -> tuple[BaseException, Any]:
        with pytest.raises(AttributeError) as raised:
            await extractor.read_page(bad)
        # The worker survives its page's error and reads the next one.
        return raised.value, await extractor.read_page(page_of(body))

    error, reading = run(read_bad_then_good)
    assert isinstance(error.__cause__, RemoteTraceback)
    assert "html_to_unicode" in str(error.__cause__)  # where in the worker it was raised
    assert reading.plans


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<p>Café £29</p>".encode(), b"text/html; charset=utf-8"),
        ('<meta charset="iso-8859-1"><p>Café</p>'.encode("latin-1"), b"text/html"),
        ("<p>Price €29 – “quoted”</p>".encode("cp1252"), b"text/html"),  # nothing declared
        ("<p>Café</p>".encode("utf-16"), b"text/html"),  # a byte-order mark
        ("<p>Café</p>".encode(), b"text/html; charset=latin-1"),  # the header wins, wrong or not
        (b"<p>\xff\xfe broken \xc3</p>", b"text/html; charset=utf-8"),  # bad bytes replaced
    ],
)
def test_the_worker_decodes_a_body_as_scrapy_does(body: bytes, content_type: bytes) -> None:
    response = HtmlResponse(
        "https://www.nexa.com/pricing", body=body, headers={"Content-Type": content_type}
    )
    page = PageToRead(response.encoding, response.url, None, None, body)
    assert page.text() == response.text
    assert "Caf" in page.text() or "Price" in page.text() or "broken" in page.text()


def test_an_unpicklable_error_still_comes_back_by_name() -> None:
    ok, (error, trace) = pickle.loads(_failure(ValueError(lambda: None)))
    assert ok is False
    assert isinstance(error, RuntimeError) and str(error).startswith("ValueError: ")


def test_a_killed_worker_fails_its_pages_and_a_new_one_takes_the_next(body: bytes) -> None:
    async def kill_and_continue(extractor: Extractor) -> tuple[int, int, Any]:
        await extractor.read_page(page_of(body))  # the worker is up and warm
        [worker] = extractor.pool
        first_pid = worker.process.pid
        os.kill(first_pid, signal.SIGKILL)
        await asyncio.get_running_loop().run_in_executor(None, worker.process.wait)
        with pytest.raises(WorkerDied):
            # Either the loop has seen its pipe close, or this page's write finds it broken.
            await extractor.read_page(page_of(body))
        reading = await extractor.read_page(page_of(body))
        [replacement] = extractor.pool
        return first_pid, replacement.process.pid, reading

    first_pid, second_pid, reading = run(kill_and_continue)
    assert second_pid != first_pid
    assert reading.plans


def test_the_crawl_process_does_not_load_extraction_for_a_worker(tmp_path: Path) -> None:
    """Receiving a worker's plans needs only the plan model, not lxml and the extractors."""
    script = (
        "import asyncio, sys\n"
        "from scrapers.offload import Extractor, PageToRead\n"
        f"body = open({str(PAGE_DIR / 'input.html')!r}, 'rb').read()\n"
        "async def main():\n"
        "    extractor = Extractor(1)\n"
        "    extractor.start()\n"
        "    try:\n"
        "        return await extractor.read_page(PageToRead('utf-8',\n"
        "            'https://www.nexa.com/pricing', 'US', 'USD', body))\n"
        "    finally:\n"
        "        extractor.close()\n"
        "reading = asyncio.run(main())\n"
        "print(len(reading.plans), 'scrapers.extraction' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    plans, loaded = out.stdout.split()
    assert int(plans) > 0 and loaded == "False"


def test_closing_reaps_the_worker(body: bytes) -> None:
    async def read_one(extractor: Extractor) -> Any:
        await extractor.read_page(page_of(body))
        [worker] = extractor.pool
        assert worker.peak_rss_mb() is not None
        return worker.process

    process = run(read_one)
    assert process.returncode == 0  # exited on EOF of its stdin, not killed


def test_inline_extractor_starts_no_worker(body: bytes) -> None:
    async def read_inline() -> PageReading:
        extractor = Extractor(0)
        extractor.start()
        assert extractor.pool == []
        return await extractor.read_page(page_of(body))

    reading = asyncio.run(read_inline())
    assert reading.plans



def test_a_reply_that_cannot_be_read_fails_its_page_instead_of_hanging() -> None:
    async def settle_garbage() -> BaseException | None:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        Worker._settle(future, b"not a pickle")
        return future.exception()

    assert isinstance(asyncio.run(settle_garbage()), pickle.UnpicklingError)


def test_after_repeated_deaths_the_crawl_extracts_inline(body: bytes) -> None:
    async def kill_every_worker(extractor: Extractor) -> tuple[int, list[Worker], PageReading]:
        for _ in range(Extractor.MAX_WORKER_DEATHS):
            [worker] = extractor.pool
            os.kill(worker.process.pid, signal.SIGKILL)
            await asyncio.get_running_loop().run_in_executor(None, worker.process.wait)
            with pytest.raises(WorkerDied):
                await extractor.read_page(page_of(body))
        # No fourth worker: the next page is read in this process, and read whole.
        return extractor.deaths, list(extractor.pool), await extractor.read_page(page_of(body))

    deaths, pool, reading = run(kill_every_worker)
    assert deaths == Extractor.MAX_WORKER_DEATHS
    assert pool == []
    assert reading.plans


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_the_workers_pipes_hold_many_pages(body: bytes) -> None:
    """Both pipes are widened, so pages queue in them instead of waiting on the reactor."""
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())

    async def pipe_sizes(extractor: Extractor) -> list[int]:
        await extractor.read_page(page_of(body))
        [worker] = extractor.pool
        return [fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
                for fd in (worker.requests_fd, worker.replies_fd)]  # fmt: skip

    sizes = run(pipe_sizes)
    assert all(size >= min(PIPE_BYTES, limit) for size in sizes), sizes
