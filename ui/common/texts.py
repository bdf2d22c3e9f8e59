"""User-visible wording shared by several handlers (all through gettext, all escaped)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.core.models import Account
from services.generation.base import FailureKind
from services.studio.captions import cut_at_word
from services.studio.catalog import LANGUAGE_NAMES, Audience, PostType
from services.studio.models import PartialPost
from services.studio.progress import Progress
from services.studio.service import Draft

PROGRESS_PREVIEW_LIMIT = 700


def post_type_label(post_type: PostType) -> str:
    return {
        PostType.LIFESTYLE: _("Lifestyle Flex"),
        PostType.FOMO: _("FOMO Builder"),
        PostType.SUCCESS: _("Success Story"),
        PostType.TIP: _("Educational Tip"),
        PostType.TESTIMONIAL: _("Testimonial"),
        PostType.GIVEAWAY: _("Giveaway"),
    }[post_type]


def audience_label(audience: Audience) -> str:
    return {
        Audience.NOMADS: _("Digital Nomads"),
        Audience.CRYPTO: _("Crypto Traders"),
        Audience.STUDENTS: _("Students"),
        Audience.SMALL_BUSINESS: _("Small Business Owners"),
        Audience.FREELANCERS: _("Freelancers"),
        Audience.INVESTORS: _("Investors"),
    }[audience]


def language_label(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def balance_text(account: Account, cost: int) -> str:
    status = _("PRO partner") if account.is_pro else _("not a PRO partner")
    return _(
        "<b>Your balance</b>: {balance} tokens ({status})\n"
        "Monthly allowance: {allowance} · Granted: {bonus}\n"
        "A studio post costs {cost} tokens.\n"
        "Your id (for your manager): <code>{user_id}</code>"
    ).format(
        balance=account.balance,
        status=status,
        allowance=account.allowance,
        bonus=account.bonus,
        cost=cost,
        user_id=account.user_id,
    )


def not_pro_text(balance: int) -> str:
    return _(
        "The Viral Studio is for PRO partners (your balance: {balance} tokens). Ask your "
        "manager to activate PRO for your account, then open /studio again."
    ).format(balance=balance)


def generate_label(cost: int) -> str:
    """The studio's Generate button, with its price."""
    return ngettext("🚀 Generate ({cost} token)", "🚀 Generate ({cost} tokens)", cost).format(
        cost=cost
    )


def insufficient_text(balance: int, cost: int) -> str:
    return ngettext(
        "A post costs {cost} token and you have {balance}. Your monthly allowance renews on "
        "the 1st; ask an admin if you need more tokens now.",
        "A post costs {cost} tokens and you have {balance}. Your monthly allowance renews on "
        "the 1st; ask an admin if you need more tokens now.",
        cost,
    ).format(cost=cost, balance=balance)


def draft_summary(draft: Draft) -> str:
    link = escape(draft.referral_link) if draft.referral_link else _("no link")
    return _(
        "Post type: <b>{post_type}</b>\nAudience: <b>{audience}</b>\n"
        "Language: <b>{language}</b>\nLink: {link}"
    ).format(
        post_type=post_type_label(draft.post_type),
        audience=audience_label(draft.audience),
        language=language_label(draft.language),
        link=link,
    )


def partial_text(partial: PartialPost) -> str:
    """A post still being written, as its draft shows it (the cursor says it goes on)."""
    body = escape(cut_at_word(partial.body, PROGRESS_PREVIEW_LIMIT)) if partial.body else ""
    return f"<b>{escape(partial.title)}</b>\n{body} ▍"


def progress_text(progress: Progress) -> str:
    text_line = _("✅ Post written") if progress.text else _("✍️ Writing the post…")
    image_line = _("✅ Image painted") if progress.image_ready else _("🎨 Painting the image…")
    retrying = _("trying another model…")
    if progress.text_fallback and not progress.text:
        text_line = f"{text_line} {retrying}"
    if progress.image_fallback and not progress.image_ready:
        image_line = f"{image_line} {retrying}"
    lines = [text_line, image_line]
    if progress.resumed:
        lines.insert(0, _("🔁 Picked up again after an interruption"))
    if progress.text is not None:
        preview = cut_at_word(progress.text.body, PROGRESS_PREVIEW_LIMIT)
        lines += ["", f"<b>{escape(progress.text.title)}</b>", escape(preview)]
    return "\n".join(lines)


def failure_text(failure: FailureKind | None, refunded: int, balance: int) -> str:
    reason = {
        FailureKind.TIMEOUT: _("The generators took too long to answer."),
        FailureKind.SAFETY: _("The image or text was blocked by the provider's safety rules."),
        FailureKind.INVALID: _("The generator returned something we could not use."),
        FailureKind.RATE_LIMITED: _("The generators are overloaded right now."),
    }.get(failure, _("The generators are unavailable right now."))  # type: ignore[arg-type]
    return ngettext(
        "❌ Sorry, the post could not be made. {reason}\n"
        "Your {refunded} token was returned. Balance: {balance}.",
        "❌ Sorry, the post could not be made. {reason}\n"
        "Your {refunded} tokens were returned. Balance: {balance}.",
        refunded,
    ).format(reason=reason, refunded=refunded, balance=balance)


def expired_text() -> str:
    return _("This button has expired. Send /start to begin again.")
