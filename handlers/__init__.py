"""All routers, in the order they are tried. Each call builds fresh routers, so several
dispatchers (tests, benchmarks) can live in one process."""

from collections.abc import Callable
from importlib import import_module

from aiogram import Router

from handlers.admin import commands, operations
from handlers.common import errors, start, stop
from handlers.cosmic import again, gallery, plan, subscribe, usage
from handlers.cosmic import edit as art_edit
from handlers.sharing import share
from handlers.studio import edit, four_k, post, variants, wizard
from services.cosmic.kinds import KINDS


def kind_routers() -> list[Router]:
    """The router of each Cosmic Coach kind, handlers/cosmic/<kind>.py, in the kinds' order
    (services/cosmic/kinds/). Their commands and buttons are their own: no update could
    go to two of them, so their order among themselves changes nothing."""
    routers = []
    for kind in KINDS:
        create: Callable[[], Router] = import_module(f"handlers.cosmic.{kind.name}").create_router
        routers.append(create())
    return routers


def setup_routers() -> Router:
    root = Router(name="root")
    root.include_routers(
        commands.create_router(),
        start.create_router(),
        wizard.create_router(),
        post.create_router(),
        edit.create_router(),
        four_k.create_router(),
        stop.create_router(),
        variants.create_router(),
        *kind_routers(),
        usage.create_router(),
        gallery.create_router(),
        art_edit.create_router(),
        again.create_router(),
        plan.create_router(),
        share.create_router(),
        subscribe.create_router(),
        operations.create_router(),
        errors.create_router(),
    )
    return root
