"""`basketlift serve`: the HTTP server, on the embedded store unless a URL is configured."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import replace
from types import FrameType

import click
import uvicorn

from widget.cli.common import load_settings, open_store
from widget.consumers import start_consumers
from widget.platform.embedded import LOG_NAME, EmbeddedStore, EmbeddedStoreError
from widget.platform.metrics import summed_across_workers
from widget.platform.settings import Settings, is_loopback


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # uvicorn shuts down on SIGTERM, then raises it again with this handler: end as on
    # Ctrl-C (which uvicorn.run swallows), so that the embedded store is left cleanly.
    raise KeyboardInterrupt


def _stop_serving() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def given_up(settings: Settings) -> click.ClickException:
    return click.ClickException(
        f"the embedded store's server died and could not be restarted after "
        f"{settings.store_restarts} tries; see {settings.data_dir / LOG_NAME}"
    )


@click.command()
@click.option("--host", help="Address to listen on [BASKETLIFT_HOST, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [BASKETLIFT_PORT, 8000].")
@click.option("--workers", type=int, help="Worker processes [BASKETLIFT_WORKERS, 1].")
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Serve the HTTP API until interrupted.

    With no BASKETLIFT_REDIS_URL, a private Valkey server is started on the data folder
    (BASKETLIFT_DATA_DIR), or joined when another command runs it, and restarted if it
    dies; the last command to leave stops it, and the next `serve` finds the same data.
    Exits with status 1 when the server could not be restarted.
    """
    settings = load_settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    if settings.public_url is None:
        if not is_loopback(host):
            raise click.ClickException(
                f"--host {host} is not a loopback address: set BASKETLIFT_PUBLIC_URL to the "
                "address browsers use, such as https://recs.example.com"
            )
        # Workers read the environment: give them the address this server is reached at.
        os.environ["BASKETLIFT_PUBLIC_URL"] = replace(settings, host=host, port=port).base_url
    signal.signal(signal.SIGTERM, _interrupt)
    store = None
    if settings.redis_url is None:
        store = EmbeddedStore(
            settings.data_dir, restarts=settings.store_restarts, on_give_up=_stop_serving
        )
        try:
            url = store.start()
        except EmbeddedStoreError as error:
            raise click.ClickException(str(error)) from None
        # Workers are new processes: they find the store through the environment.
        os.environ["BASKETLIFT_REDIS_URL"] = url
        click.echo(f"embedded store: {url} (data in {settings.data_dir.resolve()})", err=True)
    # One worker counts for itself; more share their metrics (a folder per port).
    shared_metrics = summed_across_workers(settings.data_dir / "metrics" / str(port))
    try:
        with shared_metrics if workers > 1 else contextlib.nullcontext():
            uvicorn.run(
                "widget.app:create_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=settings.log_level,
                access_log=access_log,
                # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise.
                proxy_headers=bool(settings.trusted_proxies),
                forwarded_allow_ips=list(settings.trusted_proxies) or None,
            )
    finally:
        if store is not None:
            store.stop()
    if store is not None and store.gave_up:
        raise given_up(settings)


@click.command()
def consume() -> None:
    """Run the stream consumers (live state, ledger, placements, archive) and the retraining
    scheduler until interrupted.

    For deployments with BASKETLIFT_CONSUMERS=separate; run as many as you like: the
    consumer groups share the work, and a stopped one's entries are taken over. Exits
    with status 1 when the embedded store died and could not be restarted.
    """
    settings = load_settings()

    async def run() -> bool:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        gave_up = asyncio.Event()

        def give_up() -> None:
            loop.call_soon_threadsafe(gave_up.set)
            loop.call_soon_threadsafe(stopped.set)

        async with open_store(settings, on_give_up=give_up) as client:
            stop_consumers = start_consumers(client, settings)
            click.echo("consumers started; stop them with Ctrl-C or SIGTERM", err=True)
            await stopped.wait()
            await stop_consumers()
        return gave_up.is_set()

    if asyncio.run(run()):
        raise given_up(settings)
