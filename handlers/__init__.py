"""All routers, in the order they are tried. Each call builds fresh routers, so several
dispatchers (tests, benchmarks) can live in one process."""

from aiogram import Router

from handlers.admin import commands, operations
from handlers.common import errors, start
from handlers.cosmic import again, avatar, coach, daily, gallery, plan, subscribe
from handlers.sharing import share
from handlers.studio import post, wizard


def setup_routers() -> Router:
    root = Router(name="root")
    root.include_routers(
        commands.create_router(),
        start.create_router(),
        wizard.create_router(),
        post.create_router(),
        daily.create_router(),
        coach.create_router(),
        avatar.create_router(),
        gallery.create_router(),
        again.create_router(),
        plan.create_router(),
        share.create_router(),
        subscribe.create_router(),
        operations.create_router(),
        errors.create_router(),
    )
    return root
