"""Watching over the embedded server: restarted when it dies, with back-off, or given up.

A thread of each process that uses the embedded store checks every quarter second. While
another process owns the server it only tries to take ownership (so that one process
takes over when the owner leaves); as owner, it starts the server again when its process
is gone, on the same socket and append-only file. Starts that fail, or whose server dies
within `STABLE_S`, count as failed tries; after `restarts` of them in a row the
supervisor gives up: it lets go of ownership (so `/healthz` fails, and another process
of the folder may try) and calls `on_give_up`, on which a command exits non-zero.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 0.25
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 10.0
# A server that stayed up this long ended its outage: the tries are counted anew.
STABLE_S = 60.0


class Supervised(Protocol):
    @property
    def data_dir(self) -> object: ...

    def take_ownership(self) -> bool: ...

    def give_up_ownership(self) -> None: ...

    def running(self) -> bool: ...

    def launch(self) -> None: ...


def restart_delay(failed_tries: int) -> float:
    """Seconds to wait before the next start, after `failed_tries` failed ones."""
    return min(FIRST_DELAY_S * 2.0**failed_tries, MAX_DELAY_S)


class Supervisor:
    def __init__(
        self, store: Supervised, restarts: int, on_give_up: Callable[[], None] | None
    ) -> None:
        self.store = store
        self.restarts = restarts
        self.on_give_up = on_give_up
        self.gave_up = False
        self._stopping = threading.Event()
        self._failed_tries = 0
        self._started_at = time.monotonic()
        self._thread = threading.Thread(target=self._watch, name="store-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (a restart in progress finishes first)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stopping.wait(CHECK_INTERVAL_S):
            try:
                if not self.store.take_ownership() or self.store.running():
                    continue
                if not self._restart():
                    self._give_up()
                    return
            except Exception:
                # Never let the thread die silently: the next round tries again.
                log.exception("watching the embedded store failed")

    def _restart(self) -> bool:
        """Start the server again; False when `restarts` tries in a row failed."""
        if time.monotonic() - self._started_at > STABLE_S:
            self._failed_tries = 0
        log.warning("the embedded store's server of %s is gone: restarting it", self.store.data_dir)
        while self._failed_tries < self.restarts:
            delay = restart_delay(self._failed_tries)
            self._failed_tries += 1
            if self._stopping.wait(delay):
                return True
            try:
                self.store.launch()
            except Exception as error:
                log.error("restart %d of %d failed: %s", self._failed_tries, self.restarts, error)
                continue
            self._started_at = time.monotonic()
            log.warning("the embedded store's server is back (try %d)", self._failed_tries)
            return True
        return False

    def _give_up(self) -> None:
        self.gave_up = True
        self.store.give_up_ownership()
        log.critical(
            "the embedded store's server of %s could not be restarted after %d tries: giving up",
            self.store.data_dir,
            self.restarts,
        )
        if self.on_give_up is not None:
            self.on_give_up()
