"""The web API as one router, mounted once under /api (webapp/site.py): each feature's
router under its own prefix, in no order that matters (an id in a path is an `:int`, so
`/images/my-gallery` or `/images/usage/stats` can never be taken for an image), and
operation ids that stay put while a route keeps its name (clients generated from
/api/openapi.json name their methods after them). As fastapi/full-stack-fastapi-template's
`backend/app/api/main.py`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from webapp.account import account_router, plan_router, strings_router, usage_router
from webapp.admin import admin_router
from webapp.chat import chat_router
from webapp.errors import API_PREFIX
from webapp.images import images_router
from webapp.post_actions import post_actions_router
from webapp.pro import jobs_router, studio_router
from webapp.shares import shares_router
from webapp.signin import signin_router


def operation_id(route: APIRoute) -> str:
    """`<first tag>-<route name>`, such as `images-my_gallery`."""
    tag = route.tags[0] if route.tags else "api"
    return f"{tag}-{route.name}"


api_router = APIRouter(prefix=API_PREFIX, generate_unique_id_function=operation_id)
for feature in (
    account_router,  # /me
    strings_router,  # /i18n
    plan_router,  # /plan
    images_router,  # /images
    usage_router,  # /images/usage
    chat_router,  # /images/{id}/send
    shares_router,  # /images/{id}/shared
    admin_router,  # /images/admin
    studio_router,  # /pro
    post_actions_router,  # /pro/posts/{id}/...
    jobs_router,  # /jobs
    signin_router,  # /auth
):
    api_router.include_router(feature)
