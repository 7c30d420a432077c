"""`inbeeld serve --workers N`: each worker process listens on a socket of its own, all bound to the one port with
SO_REUSEPORT, so the kernel spreads new connections over the workers.

uvicorn's own supervisor shares one socket between the workers: whichever wakes first accepts every connection
waiting, and keep-alive clients that connect at once (a partner system's pool, a load balancer) all ended up on
one worker while the others idled. This supervisor starts the workers, starts a worker again when one dies, and
stops them all on SIGTERM or SIGINT (each finishes its requests first, as uvicorn does).
"""

import logging
import multiprocessing
import os
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("inbeeld.serve")
STARTUP_FAILURE = 3  # uvicorn's exit code when the app cannot start


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def _worker(options: dict[str, Any]) -> None:
    config = uvicorn.Config(**options)
    server = uvicorn.Server(config)
    server.run(sockets=[_listen(config.host, config.port, config.backlog)])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


def serve(options: dict[str, Any], *, workers: int, grace_seconds: float) -> None:
    """Run the app that uvicorn's `options` describe, in `workers` processes."""
    if workers == 1:
        uvicorn.run(**options)
        return
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start() -> BaseProcess:
        process = spawn.Process(target=_worker, args=(options,), daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    failed = False
    while not stopping:
        for i, process in enumerate(processes):
            if process.is_alive() or stopping:
                continue
            if process.exitcode == STARTUP_FAILURE:  # starting again would fail again
                failed = stopping = True
                break
            log.warning("worker died; starting another", extra={"exitcode": process.exitcode})
            processes[i] = start()
        time.sleep(0.2)
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds + 5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
    if failed:
        raise SystemExit(STARTUP_FAILURE)
