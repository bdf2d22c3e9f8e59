"""All routers, in the order they are tried. Each call builds fresh routers, so several
dispatchers (tests, benchmarks) can live in one process."""

from aiogram import Router

from handlers import (
    admin,
    avatar,
    cosmic,
    errors,
    gallery,
    interrupted,
    operations,
    plan,
    post,
    share,
    start,
    studio,
    subscribe,
)


def setup_routers() -> Router:
    root = Router(name="root")
    root.include_routers(
        admin.create_router(),
        start.create_router(),
        studio.create_router(),
        post.create_router(),
        cosmic.create_router(),
        avatar.create_router(),
        gallery.create_router(),
        interrupted.create_router(),
        plan.create_router(),
        share.create_router(),
        subscribe.create_router(),
        operations.create_router(),
        errors.create_router(),
    )
    return root
