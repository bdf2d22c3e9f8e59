"""Every string the Mini App shows, marked for extraction (pybabel -k _noop -k _nnoop:1,2)
and served translated by GET /api/i18n from the bot's catalogues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from babel import Locale

from ui.cosmic.kinds import WORDINGS


def _noop(text: str) -> str:
    """Marks a string for extraction; it is translated per request."""
    return text


@dataclass(frozen=True, slots=True)
class Counted:
    """A string whose words follow a number, its placeholder `count` ("1 token", "2
    tokens"; ru: "1 токен", "3 токена", "5 токенов"): served in each of the language's
    plural forms, the page picks one for the number."""

    singular: str
    plural: str
    count: str


def _nnoop(singular: str, plural: str, *, count: str) -> Counted:
    """Marks a counted string for extraction (as ngettext's two forms)."""
    return Counted(singular, plural, count)


STRINGS: dict[str, str] = {
    "tab_studio": _noop("Studio"),
    "tab_gallery": _noop("Gallery"),
    "tab_cosmic": _noop("Cosmic"),
    "tab_plan": _noop("Plan"),
    "tab_dashboard": _noop("Dashboard"),
    "post_type": _noop("Post type"),
    "audience": _noop("Audience"),
    "post_language": _noop("Post language"),
    "referral_link": _noop("Referral link (optional)"),
    "generate": _noop("Generate"),
    "writing": _noop("Writing the post and painting its image…"),
    "painting": _noop("The text is ready; painting the image…"),
    "stop": _noop("⏹ Stop"),
    "refunded": _noop("Your tokens were returned."),
    "history": _noop("Your posts"),
    "no_posts": _noop("No posts yet."),
    "download": _noop("Download"),
    "send_to_chat": _noop("Send to chat"),
    "sent_to_chat": _noop("Sent to your chat with the bot."),
    "sent_forward": _noop("Sent to your chat with the bot: forward it from there to share it."),
    "download_in_browser": _noop(
        "Your Telegram app cannot save files from here: the picture opens in your browser"
        " instead, to save it there."
    ),
    "use_picture": _noop("Use this"),
    "picture_used": _noop("Done: this picture is now the post's picture."),
    "edit_prompt": _noop(
        "What should I change in the picture? For example: more purple, fewer stars"
    ),
    "edit_go": _noop("Edit the picture"),
    "editing": _noop("✏️ Editing the picture: “{request}”…"),
    "four_k_free": _noop("🖥 4K · free"),
    "four_k_making": _noop("🖥 Making the 4K picture…"),
    "download_4k": _noop("⬇ Download 4K"),
    "copy_text": _noop("Copy text"),
    "copied": _noop("Copied"),
    "pro_only": _noop("The Viral Studio is for PRO partners."),
    "all": _noop("All"),
    "favourites": _noop("Favourites"),
    # The gallery's filters are every cat_ string, in this order (webapp/static/gallery.js).
    **{f"cat_{wording.category.value}": wording.label for wording in WORDINGS},
    "cat_studio": _noop("Studio posts"),
    "empty_gallery": _noop("No images yet: make one in Cosmic."),
    "favourite": _noop("Favourite"),
    "unfavourite": _noop("Unfavourite"),
    "delete": _noop("Delete"),
    "deleted": _noop("Deleted"),
    "share_cards": _noop("Share cards"),
    "card_instagram_square": _noop("Instagram post"),
    "card_instagram_story": _noop("Story"),
    "card_twitter": _noop("X"),
    "card_facebook": _noop("Facebook"),
    "share_story": _noop("Share to story"),
    "share_chat": _noop("Share in a chat"),
    "story_unsupported": _noop(
        "Sharing to a story needs a newer Telegram app: update Telegram, or download the"
        " story card (⬇) and post it yourself."
    ),
    "story_failed": _noop("Telegram did not open the story editor. Please try again."),
    "your_sign": _noop("Your sign"),
    "their_sign": _noop("Their sign"),
    "energy": _noop("Energy"),
    "mood": _noop("Mood"),
    "focus": _noop("Focus"),
    "moon_phase": _noop("Moon phase"),
    "sun": _noop("Sun"),
    "moon": _noop("Moon"),
    "rising": _noop("Rising"),
    "traits": _noop("Traits (comma-separated, up to 3)"),
    "make": _noop("Make the image"),
    "making": _noop("Painting…"),
    "upgrade": _noop("Upgrade"),
    "plan_title": _noop("Your plan"),
    "tier_free": _noop("Free"),
    "tier_cosmic": _noop("Cosmic"),
    "tier_universe": _noop("Universe"),
    "resets": _noop("The week resets {date}."),
    "buy": _noop("Buy for ⭐ {stars}"),
    "paid": _noop("Thank you! Your purchase is being credited."),
    "free_upgrade": _noop("Personal cosmic art comes with the Cosmic and Universe plans."),
    "images_today": _noop("Images today"),
    "shares_today": _noop("Shares today"),
    "downloads_today": _noop("Downloads today"),
    "cost_today": _noop("Cost today"),
    "viral": _noop("Viral this week"),
    "top": _noop("Top performing"),
    "cost_report": _noop("Cost, last {days} days"),
    "hit_rate": _noop("Cache hit rate"),
    "batch": _noop("Run the daily batch"),
    "batch_done": _noop("Batch: {success} painted, {cached} cached, {failed} failed"),
    "error": _noop("Something went wrong. Please try again."),
    "offline": _noop("No connection to the bot. Please try again."),
    "interrupted": _noop("The generation was interrupted. Your tokens were returned."),
    "loading": _noop("Loading…"),
}

COUNTED: dict[str, Counted] = {
    "tokens": _nnoop("{n} token", "{n} tokens", count="n"),
    "generate_cost": _nnoop("Generate · {cost} token", "Generate · {cost} tokens", count="cost"),
    "balance": _nnoop("Balance: {balance} token", "Balance: {balance} tokens", count="balance"),
    "done": _nnoop("Done! {balance} token left.", "Done! {balance} tokens left.", count="balance"),
    "new_text": _nnoop("📝 New text · {cost} token", "📝 New text · {cost} tokens", count="cost"),
    "new_text_writing": _nnoop(
        "📝 Writing a new text for this picture ({cost} token)…",
        "📝 Writing a new text for this picture ({cost} tokens)…",
        count="cost",
    ),
    # {cost} and {price}: "tokens" above, counted on their own.
    "more_pictures": _nnoop(
        "🖼 {count} more picture · {cost}", "🖼 {count} more pictures · {cost}", count="count"
    ),
    "painting_more": _nnoop(
        "🖼 Painting {count} more picture ({price})…",
        "🖼 Painting {count} more pictures ({price})…",
        count="count",
    ),
    "edit_picture": _nnoop(
        "✏️ Edit picture · {cost} token", "✏️ Edit picture · {cost} tokens", count="cost"
    ),
    "four_k": _nnoop("🖥 4K · {cost} token", "🖥 4K · {cost} tokens", count="cost"),
    "week_use": _nnoop(
        "This week: {used} of {limit} image", "This week: {used} of {limit} images", count="limit"
    ),
    "week_unlimited": _nnoop(
        "This week: {used} image (unlimited)", "This week: {used} images (unlimited)", count="used"
    ),
}

SAMPLES = range(200)
"""Whole numbers that show every plural category a language gives them."""


@cache
def plural_samples(locale: str) -> dict[str, int]:
    """The first whole number of each plural category (CLDR's: one, few, many, other…) a
    whole number takes in `locale`."""
    category_of = Locale.parse(locale).plural_form
    samples: dict[str, int] = {}
    for n in SAMPLES:
        samples.setdefault(category_of(n), n)
    return samples


def counted_forms(
    gettext: Callable[[str, str, int, str], str], locale: str, counted: Counted
) -> dict[str, str]:
    """`counted` in `locale` for each plural category a whole number takes there, as the
    page's Intl.PluralRules names them."""
    return {
        category: gettext(counted.singular, counted.plural, n, locale)
        for category, n in plural_samples(locale).items()
    }
