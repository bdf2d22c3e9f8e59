"""The less common corners of the Bot API stand-in: media edits, copies, Stars invoices and
payments, inline mode, webhooks. Mixed into FakeTelegram (see telegram.py), with the same
strictness."""

from __future__ import annotations

import re
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.fakes import botapi_rules as rules
from tests.fakes.botapi_rules import bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram import StoredMessage


class MoreBotAPI:
    # Provided by FakeTelegram:
    users: dict[int, dict[str, Any]]
    messages: dict[tuple[int, int], Any]
    files: dict[str, bytes]
    charges: dict[str, dict[str, Any]]
    inline_answers: list[dict[str, Any]]
    invoice_links: list[dict[str, Any]]
    _uploads: dict[str, bytes]
    webhook: dict[str, Any] | None = None
    """The webhook set with setWebhook (its parameters), None while there is none."""
    local_mode: bool = False
    """As a self-hosted `telegram-bot-api --local`: setWebhook takes an http URL and any
    port (Bot API docs, "Using a Local Bot API Server"); Telegram's cloud (False) does not."""

    def pay(self, user_id: int, invoice: StoredMessage) -> dict[str, Any]:
        """The user taps Pay: Telegram asks the bot to confirm (pre-checkout query)."""
        assert invoice.invoice is not None
        query = {
            "id": secrets.token_hex(8),
            "from": self.users[user_id],
            "currency": invoice.invoice["currency"],
            "total_amount": invoice.invoice["amount"],
            "invoice_payload": invoice.invoice["payload"],
        }
        return self._queue({"pre_checkout_query": query})

    def payment_done(
        self, user_id: int, pre_checkout: dict[str, Any], charge_id: str | None = None
    ) -> dict[str, Any]:
        """After the bot said ok: the successful_payment service message (charge_id given:
        a replay of an earlier one)."""
        query = pre_checkout["pre_checkout_query"]
        charge_id = charge_id or "stxchg" + secrets.token_hex(10)
        self.charges.setdefault(
            charge_id, {"user_id": user_id, "refunded": False, "amount": query["total_amount"]}
        )
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user_id),
            "from": self.users[user_id],
            "successful_payment": {
                "currency": query["currency"],
                "total_amount": query["total_amount"],
                "invoice_payload": query["invoice_payload"],
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": "",
            },
        }
        return self._queue({"message": message})

    def inline_query(self, user_id: int, query: str = "", offset: str = "") -> dict[str, Any]:
        body = {
            "id": secrets.token_hex(8),
            "from": self.users[user_id],
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        return self._queue({"inline_query": body})

    def choose(self, user_id: int, result_id: str, query: str = "") -> dict[str, Any]:
        """The user picked an inline result and sent it (needs inline feedback on)."""
        body = {"result_id": result_id, "from": self.users[user_id], "query": query}
        return self._queue({"chosen_inline_result": body})

    async def _editMessageCaption(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self._existing(params)
        if message.photo is None and message.document is None:
            raise bad_request("there is no caption in the message to edit")
        self._caption(params)
        if message.caption == params.get("caption") and message.reply_markup == params.get(
            "reply_markup"
        ):
            raise bad_request("message is not modified")
        message.caption, message.reply_markup = params.get("caption"), params.get("reply_markup")
        return self._message_json(message)

    async def _editMessageMedia(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self._existing(params)
        media = params["media"]
        if message.photo is None or media.get("type") != "photo":
            raise bad_request("there is no media in the message to edit")
        source = media["media"]
        if isinstance(source, str) and source.startswith("attach://"):
            photo = self._uploads.get(source.removeprefix("attach://"))
        else:
            photo = self.files.get(source)
        if photo is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if "caption" in media:
            rules.check_text(media["caption"], media.get("parse_mode"), limit=1024, minimum=0)
        rules.check_reply_markup(params.get("reply_markup"), params.get("chat_id"))
        if (
            photo is message.photo
            and message.caption == media.get("caption")
            and message.reply_markup == params.get("reply_markup")
        ):
            raise bad_request("message is not modified")  # the same file, caption and buttons
        message.photo, message.caption = photo, media.get("caption")
        message.reply_markup = params.get("reply_markup")
        return self._message_json(message)

    async def _sendInvoice(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._target(params["chat_id"])
        prices = params["prices"]
        if params["currency"] == "XTR" and (params.get("provider_token") or len(prices) != 1):
            raise bad_request("Stars invoices take no provider token and exactly one price")
        if not 1 <= len(params["payload"].encode()) <= 128:
            raise bad_request("INVOICE_PAYLOAD_INVALID")
        if not 1 <= len(params["title"]) <= 32 or not 1 <= len(params["description"]) <= 255:
            raise bad_request("title or description has a wrong length")
        invoice = {
            "currency": params["currency"],
            "payload": params["payload"],
            "amount": sum(p["amount"] for p in prices),
            "title": params["title"],
            "description": params["description"],
        }
        rules.check_reply_markup(params.get("reply_markup"), params.get("chat_id"))
        return self._store(params, text=None, invoice=invoice)

    async def _createInvoiceLink(self, params: dict[str, Any]) -> Any:  # noqa: N802
        prices = params["prices"]
        if params["currency"] == "XTR" and (params.get("provider_token") or len(prices) != 1):
            raise bad_request("Stars invoices take no provider token and exactly one price")
        if not 1 <= len(params["payload"].encode()) <= 128:
            raise bad_request("INVOICE_PAYLOAD_INVALID")
        if not 1 <= len(params["title"]) <= 32 or not 1 <= len(params["description"]) <= 255:
            raise bad_request("title or description has a wrong length")
        self.invoice_links.append(params)
        return f"https://t.me/$invoice{len(self.invoice_links)}"

    async def _copyMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._target(params["chat_id"])
        source = self.messages.get((params["from_chat_id"], params["message_id"]))
        if source is None:
            raise bad_request("message to copy not found")
        copied = self._store(params, text=source.text, caption=source.caption, photo=source.photo)
        return {"message_id": copied["message_id"]}

    async def _answerInlineQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        results = params["results"]
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [result["id"] for result in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad_request(
                "RESULT_ID_DUPLICATE" if len(set(ids)) != len(ids) else "RESULT_ID_INVALID"
            )
        if len(params.get("next_offset", "").encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        for result in results:
            if result.get("type") == "photo" and result.get("photo_file_id") not in self.files:
                raise bad_request("PHOTO_INVALID")
            if "caption" in result:
                rules.check_text(
                    result["caption"], result.get("parse_mode"), limit=1024, minimum=0
                )
        self.inline_answers.append(params)
        return True

    async def _answerPreCheckoutQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if not params["ok"] and not params.get("error_message"):
            raise bad_request("error_message is required when ok is false")
        return True

    async def _refundStarPayment(self, params: dict[str, Any]) -> Any:  # noqa: N802
        charge = self.charges.get(params["telegram_payment_charge_id"])
        if charge is None or charge["user_id"] != params["user_id"]:
            raise bad_request("CHARGE_NOT_FOUND")
        if charge["refunded"]:
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        charge["refunded"] = True
        return True

    async def _setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if not params["url"]:
            self.webhook = None
            return True
        url = urlsplit(params["url"])
        schemes = {"https", "http"} if self.local_mode else {"https"}
        if url.scheme not in schemes or not url.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not self.local_mode and (url.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not WEBHOOK_SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        known = {f["name"] for f in rules.spec()["types"]["Update"]["fields"]} - {"update_id"}
        if allowed is not None and (not isinstance(allowed, list) or set(allowed) - known):
            raise bad_request("can't parse allowed updates")
        if not 1 <= params.get("max_connections", 40) <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.webhook = params
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = None
        return True


WEBHOOK_PORTS = {80, 88, 443, 8443}
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
