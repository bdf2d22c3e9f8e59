"""The /api router (webapp/api.py): the paths and methods the API documents, operation ids
that are `<tag>-<route name>`, and no two routes that could both match one request (so the
order in which the feature routers are included decides nothing)."""

from __future__ import annotations

import re
from itertools import combinations

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.convertors import CONVERTOR_TYPES

from webapp.api import api_router

DOCUMENTED = {
    ("GET", "/api/me"),
    ("GET", "/api/i18n"),
    ("POST", "/api/plan/invoice"),
    ("GET", "/api/images/usage/stats"),
    ("POST", "/api/images/generate/daily-energy"),
    ("POST", "/api/images/generate/avatar"),
    ("POST", "/api/images/generate/compatibility"),
    ("POST", "/api/images/generate/moon-ritual"),
    ("GET", "/api/images/my-gallery"),
    ("GET", "/api/images/{image_id}"),
    ("DELETE", "/api/images/{image_id}"),
    ("POST", "/api/images/{image_id}/favourite"),
    ("DELETE", "/api/images/{image_id}/favourite"),
    ("POST", "/api/images/{image_id}/send"),
    ("POST", "/api/images/share/{image_id}"),
    ("POST", "/api/images/admin/batch-generate"),
    ("GET", "/api/images/admin/cost-report"),
    ("GET", "/api/images/admin/stats"),
    ("POST", "/api/pro/generate"),
    ("GET", "/api/pro/posts"),
    ("POST", "/api/pro/posts/{post_id}/text"),
    ("POST", "/api/pro/posts/{post_id}/pictures"),
    ("POST", "/api/pro/posts/{post_id}/pictures/{image_id}/use"),
    ("POST", "/api/pro/posts/{post_id}/edit"),
    ("POST", "/api/pro/posts/{post_id}/4k"),
    ("GET", "/api/jobs/{job_id}"),
    ("GET", "/api/jobs/{job_id}/events"),
    ("POST", "/api/jobs/{job_id}/stop"),
    ("POST", "/api/auth/telegram"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/images/{image_id}/shared"),
}
PARAM = re.compile(r"^\{(?P<name>\w+)(?::(?P<convertor>\w+))?\}$")


def api_routes() -> list[tuple[str, str, set[str], str]]:
    """(path with its convertors, path as documented, methods, operation id) of each route,
    as the web app sees them once `api_router` is mounted."""
    web = FastAPI()
    web.include_router(api_router)
    return [
        (r.path, r.path_format, set(r.methods), r.unique_id)
        for r in iter_route_contexts(web.routes)
        if isinstance(r.original_route, APIRoute)
    ]


def test_the_documented_paths_and_methods_are_all_there():
    served = {
        (method, documented) for _, documented, methods, _ in api_routes() for method in methods
    }
    assert served == DOCUMENTED


def test_operation_ids_are_the_tag_and_the_route_name():
    ids = [unique_id for *_, unique_id in api_routes()]
    assert len(set(ids)) == len(ids)
    assert "images-my_gallery" in ids
    assert "account-usage_stats" in ids
    assert "chat-send_image" in ids


def _segment_overlaps(a: str, b: str) -> bool:
    """Some one path segment matches both `a` and `b` (each a literal or one `{param}`)."""
    pa, pb = PARAM.match(a), PARAM.match(b)
    if pa is None and pb is None:
        return a == b
    if pa is not None and pb is not None:
        return True  # "1" is a str and an int
    literal, param = (a, pb) if pa is None else (b, pa)
    assert param is not None
    regex = CONVERTOR_TYPES[param["convertor"] or "str"].regex
    return re.fullmatch(regex, literal) is not None


def could_match_one_path(a: str, b: str) -> bool:
    """Some request path is matched by both route paths."""
    sa, sb = a.split("/"), b.split("/")
    return len(sa) == len(sb) and all(map(_segment_overlaps, sa, sb))


def test_the_checker_sees_the_old_ambiguity():
    """`/images/{image_id}` (any text) took `/images/my-gallery` when it came first."""
    assert could_match_one_path("/api/images/{image_id}", "/api/images/my-gallery")
    assert not could_match_one_path("/api/images/{image_id:int}", "/api/images/my-gallery")
    assert could_match_one_path("/api/images/{image_id:int}", "/api/images/{other}")
    assert not could_match_one_path("/api/images/usage/stats", "/api/images/{image_id:int}/send")


def test_no_request_could_reach_two_routes_so_their_order_decides_nothing():
    routes = api_routes()
    for path, *_ in routes:
        for segment in path.split("/"):  # each segment a literal or a whole parameter
            assert "{" not in segment or PARAM.match(segment), path
    clashes = [
        (a, b)
        for (a, _, methods_a, _), (b, _, methods_b, _) in combinations(routes, 2)
        if methods_a & methods_b and could_match_one_path(a, b)
    ]
    assert clashes == []
