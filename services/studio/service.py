"""The Viral Studio, as the handlers see it: reserve tokens, write the post and paint its
image at the same time (services/studio/run.py), then commit — or refund exactly once when
anything fails; and the partner's account, referral link and own posts."""

from __future__ import annotations

from pathlib import Path

from services.core.accounts import AccountRepo
from services.core.db import Database
from services.core.images import ImageRepo, StoredImage
from services.core.ledger import Ledger
from services.core.locks import UserLocks, hold
from services.core.media import MediaStore
from services.core.models import Account
from services.core.work import Origin
from services.generation.chain import ImageChain
from services.studio.chains import PromptChain, TextChain
from services.studio.drafts import Draft, draft_fields, new_draft_key
from services.studio.models import StoredPost
from services.studio.progress import ProgressCallback
from services.studio.repo import PostRepo
from services.studio.run import DeliverCallback, PostOutcome, PostRun, PostStatus, ReadyPost

__all__ = [
    "DeliverCallback",
    "Draft",
    "PostOutcome",
    "PostStatus",
    "ReadyPost",
    "StudioService",
    "draft_fields",
    "new_draft_key",
]


class StudioService:
    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        accounts: AccountRepo,
        posts: PostRepo,
        text_chain: TextChain,
        image_chain: ImageChain,
        prompt_chain: PromptChain,
        media: MediaStore,
        locks: UserLocks,
        cost: int,
        timeout: float,
    ) -> None:
        self._ledger = ledger
        self._accounts = accounts
        self._posts = posts
        self._images = ImageRepo(db)
        self._text = text_chain
        self._media = media
        self._locks = locks
        self.cost = cost
        self._run = PostRun(
            db=db,
            ledger=ledger,
            accounts=accounts,
            text_chain=text_chain,
            image_chain=image_chain,
            prompt_chain=prompt_chain,
            media=media,
            timeout=timeout,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """Post languages the active text generator can write, English first."""
        return tuple(sorted(self._text.languages, key=lambda code: (code != "en", code)))

    async def create_post(
        self,
        account: Account,
        draft: Draft,
        key: str,
        on_progress: ProgressCallback,
        deliver: DeliverCallback,
        origin: Origin | None = None,
    ) -> PostOutcome:
        """Reserves the cost, writes and paints at the same time, hands the result to
        `deliver` (which shows it to the user) and only then commits the tokens. Any
        failure, delivery included, refunds them exactly once. `origin` is the progress
        message: if the bot dies meanwhile, the sweeper refunds the hold and tells it there."""
        user_id = account.user_id
        if not account.is_pro:
            return PostOutcome(PostStatus.NOT_PRO, account.balance)
        async with hold(self._locks, user_id) as acquired:
            if not acquired:
                return PostOutcome(PostStatus.BUSY, account.balance)
            outcome = await self._ledger.reserve(
                user_id,
                self.cost,
                f"studio:{user_id}:{key}",
                "studio post",
                origin,
                draft_fields(draft),
            )
            if outcome.reservation is None:
                return PostOutcome(PostStatus.INSUFFICIENT, await self._run.balance(user_id))
            if outcome.duplicate:
                return PostOutcome(PostStatus.DUPLICATE, await self._run.balance(user_id))
            return await self._run.make(account, draft, outcome.reservation, on_progress, deliver)

    async def account(self, user_id: int) -> Account | None:
        return await self._accounts.get(user_id)

    async def save_referral_link(self, user_id: int, link: str) -> None:
        """Remembers the partner's link so the next post can reuse it with one tap."""
        await self._accounts.set_referral_link(user_id, link)

    async def own_post(
        self, user_id: int, post_id: int, *, regenerable: bool = False
    ) -> StoredPost | None:
        """The finished post, only if it belongs to `user_id`; with `regenerable`, a failed
        or interrupted one too (its choices are kept, so it can be made again)."""
        post = await self._posts.get(post_id)
        wanted = ("done", "failed") if regenerable else ("done",)
        if post is None or post.user_id != user_id or post.status not in wanted:
            return None
        return post

    async def post_image(self, user_id: int, post_id: int) -> StoredImage | None:
        """The picture of `user_id`'s post (what its cards and shares are made from)."""
        return await self._images.for_post(user_id, post_id)

    def image_file(self, relative_path: str) -> Path:
        return self._media.path(relative_path)
