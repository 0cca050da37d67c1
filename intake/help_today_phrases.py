""""I need help today" as she would write it on WhatsApp, in each public language.

Matched whole, after `normalise`: case, spacing, punctuation and invisible marks do not count. A
longer message that merely mentions help goes to the advisor as it is; only the phrase itself
raises the case (she may be quoting someone, or asking about tomorrow). The first phrase of each
language is the status page's button text, so what she saw there works here too.
"""

from __future__ import annotations

import unicodedata

PHRASES: dict[str, tuple[str, ...]] = {
    "fi": ("Tarvitsen apua tänään", "Apua tänään"),
    "sv": ("Jag behöver hjälp i dag", "Jag behöver hjälp idag", "Hjälp i dag", "Hjälp idag"),
    "en": ("I need help today", "Need help today", "Help today"),
    "ar": ("أحتاج إلى مساعدة اليوم", "احتاج الى مساعدة اليوم", "أحتاج مساعدة اليوم",
           "احتاج مساعدة اليوم"),
    "fa": ("امروز به کمک نیاز دارم", "امروز کمک لازم دارم", "امروز کمک می‌خواهم"),
    "ckb": ("ئەمڕۆ پێویستم بە یارمەتییە", "ئەمرۆ پێویستم بە یارمەتییە"),
    "so": ("Maanta caawimo ayaan u baahanahay", "Waxaan u baahanahay caawimo maanta",
           "Caawimo maanta"),
    "ti": ("ሎሚ ሓገዝ የድልየኒ", "ሎሚ ሓገዝ የድልየኒ እዩ"),
    "ru": ("Мне нужна помощь сегодня", "Нужна помощь сегодня", "Помощь сегодня"),
    "uk": ("Мені потрібна допомога сьогодні", "Потрібна допомога сьогодні",
           "Допомога сьогодні"),
    "fr": ("J'ai besoin d'aide aujourd'hui", "Besoin d'aide aujourd'hui",
           "Aide aujourd'hui"),
}

BUTTON_ID = "help-today"  # the id of a WhatsApp reply button that says the same


def normalise(text: str) -> str:
    """Folded case, no punctuation or invisible marks, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " " if unicodedata.category(c).startswith(("P", "Z")) or c.isspace() else c
        for c in folded
        if unicodedata.category(c) not in {"Cf", "Cc", "So", "Sk", "Mn"}
        or c.isspace()
    )
    return " ".join(kept.split())


_KNOWN = frozenset(normalise(p) for phrases in PHRASES.values() for p in phrases)


def says_help_today(text: str, choice: str = "") -> bool:
    """Is this message, as a whole, "I need help today" (or the button that says it)?"""
    return choice == BUTTON_ID or (len(text) <= 80 and normalise(text) in _KNOWN)
