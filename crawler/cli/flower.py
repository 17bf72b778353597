"""``pantau flower``: Flower for the cluster's broker, on localhost unless given a password."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from crawler.cli.errors import UserError, err_console
from crawler.config.settings import get_settings
from crawler.i18n import say
from crawler.observe.flower import (
    FlowerRefused,
    check_exposure,
    credentials_from,
    flower_argv,
    protect_metrics,
)


def flower(
    ctx: typer.Context,
    address: Annotated[str, typer.Option(
        help="Address to listen on. Anything but loopback needs PANTAU_FLOWER_BASIC_AUTH.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 5555,
) -> None:
    """Start Flower (live task view) for the cluster's Redis broker; Ctrl-C stops it.

    Tasks show as ``source=NAME region=CODE run=ID``; a running crawl's Result is its
    progress (pages, posts, errors). Extra arguments after ``--`` go to Flower unchanged.
    Flower forgets on restart: `pantau status` shows the durable history.
    """
    settings = get_settings()
    secret = settings.flower_basic_auth
    try:  # before any service starts: an open Flower is a one-line mistake
        credentials = credentials_from(secret.get_secret_value() if secret else None)
        check_exposure(address, credentials, ctx.args)
        protect_metrics()
    except FlowerRefused as err:
        raise UserError(str(err), err.hint) from None
    if not settings.redis_url:
        from crawler.cli.services import connected_settings

        connected_settings()
    if credentials:  # Flower reads it from its environment: never on the command line
        os.environ["FLOWER_BASIC_AUTH"] = ",".join(credentials)
    from tasks.app import app

    guard = say("flower_auth") if credentials else say("flower_local")
    where = f"http://{address}:{port}/" if address else say("flower_every_interface", port=port)
    err_console.print(say("flower_on", where=where, guard=guard))
    app.start(flower_argv(address, port, ctx.args))
