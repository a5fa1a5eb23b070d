"""The outbox's Telegram channel: citizen notifications sent through the Bot API.

Telegram has no idempotency key, so at-least-once delivery may repeat a message after a crash
between sending and marking delivered; 429 answers reschedule the row after retry_after."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.render import split_plain
from casework.outbox import DeliveryError, OutboundMessage
from thads.settings import Settings


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._ready = False

    async def send(self, message: OutboundMessage) -> None:
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        try:
            for part in split_plain(message.text):
                await self.bot.send_message(chat_id=message.recipient, text=part, disable_web_page_preview=True)
        except RetryAfter as exc:
            raise DeliveryError("telegram flood control", retry_after=retry_seconds(exc)) from exc
        except Forbidden as exc:  # the person blocked the bot or deleted the chat
            raise DeliveryError("telegram: forbidden", permanent=True) from exc
        except BadRequest as exc:  # chat not found, malformed: retrying will not help
            raise DeliveryError(f"telegram: bad request ({exc.message[:80]})", permanent=True) from exc
        except InvalidToken as exc:  # a configuration error: keep the rows until it is fixed
            raise DeliveryError("telegram: invalid token") from exc
        except (NetworkError, TelegramError) as exc:
            raise DeliveryError(f"telegram: {type(exc).__name__}") from exc


def channel_from_settings(settings: Settings) -> TelegramChannel:
    """A channel with its own Bot (the worker process has no Application)."""
    if not settings.telegram_token:
        raise ValueError("THADS_TELEGRAM_TOKEN is not set")
    return TelegramChannel(Bot(settings.telegram_token, base_url=settings.telegram_base_url,
                               base_file_url=settings.telegram_base_file_url))
