"""The main menu keyboard and a filter that recognises its buttons."""

from __future__ import annotations

from telegram import ReplyKeyboardMarkup
from telegram.ext import filters

from bot import texts


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[texts.MENU_ASK, texts.MENU_CASES], [texts.MENU_FILE, texts.MENU_FOLLOW]],
                               resize_keyboard=True, is_persistent=True)


def menu_button(label: str) -> filters.MessageFilter:
    return filters.Text([label])


ANY_MENU_BUTTON = filters.Text(list(texts.MENU_LABELS))
