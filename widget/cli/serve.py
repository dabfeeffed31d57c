"""`basketlift serve`: the HTTP server, on the embedded store unless a URL is configured."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace

import click
import uvicorn

from widget.cli.common import load_settings, open_store
from widget.consumers import start_consumers
from widget.platform.embedded import EmbeddedStore, EmbeddedStoreError
from widget.platform.settings import is_loopback


@click.command()
@click.option("--host", help="Address to listen on [BASKETLIFT_HOST, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [BASKETLIFT_PORT, 8000].")
@click.option("--workers", type=int, help="Worker processes [BASKETLIFT_WORKERS, 1].")
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Serve the HTTP API until interrupted.

    With no BASKETLIFT_REDIS_URL, a private Valkey server is started on the data folder
    (BASKETLIFT_DATA_DIR) and stopped on exit; the next `serve` finds the same data.
    """
    settings = load_settings()
    host, port = host or settings.host, port or settings.port
    if settings.public_url is None:
        if not is_loopback(host):
            raise click.ClickException(
                f"--host {host} is not a loopback address: set BASKETLIFT_PUBLIC_URL to the "
                "address browsers use, such as https://recs.example.com"
            )
        # Workers read the environment: give them the address this server is reached at.
        os.environ["BASKETLIFT_PUBLIC_URL"] = replace(settings, host=host, port=port).base_url
    store = None
    if settings.redis_url is None:
        store = EmbeddedStore(settings.data_dir)
        try:
            url = store.start()
        except EmbeddedStoreError as error:
            raise click.ClickException(str(error)) from None
        # Workers are new processes: they find the store through the environment.
        os.environ["BASKETLIFT_REDIS_URL"] = url
        click.echo(f"embedded store: {url} (data in {settings.data_dir.resolve()})", err=True)
    try:
        uvicorn.run(
            "widget.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers or settings.workers,
            log_level=settings.log_level,
            access_log=access_log,
            # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
        )
    finally:
        if store is not None:
            store.stop()


@click.command()
def consume() -> None:
    """Run the stream consumers (live state, ledger, placements, archive) and the retraining
    scheduler until interrupted.

    For deployments with BASKETLIFT_CONSUMERS=separate; run as many as you like: the
    consumer groups share the work, and a stopped one's entries are taken over.
    """
    settings = load_settings()

    async def run() -> None:
        async with open_store(settings) as client:
            stopped = asyncio.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().add_signal_handler(sig, stopped.set)
            stop_consumers = start_consumers(client, settings)
            await stopped.wait()
            await stop_consumers()

    asyncio.run(run())
