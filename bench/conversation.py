"""The WhatsApp conversation engine: time per step and the size of the sealed state.

    .venv/bin/python bench/conversation.py [--rounds 200]

Walks a whole tracing request in Arabic and a social-services request in Somali through
`intake.conversation.step` (no database, no network: the engine alone), and prints the median
and 95th percentile time of one step, and the bytes the sealed state takes at its largest (what
one conversation under way keeps in `whatsapp_conversation`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARABIC = ["مرحبا", "4", "2", "أمل", "سمير", "4", "حلب", "1", "2", "2", "2", "أبحث عن أخي",
          "1", "1", "إرسال"]
SOMALI = ["Salaan", "7", "3", "Hodan", "maya", "maya", "haa", "maya", "1 3", "Helsinki",
          "Waxaan u baahanahay guri " * 40, "1", "2", "Dir"]


def walk(lines: list[str]) -> tuple[list[float], int]:
    from intake.conversation import SUBMIT, Incoming, begin, step
    from yhteys import crypto

    times: list[float] = []
    state, _ = begin(lines[0])
    largest = 0
    for typed in lines[1:]:
        started = time.perf_counter()
        state, _ = step(state, Incoming(text=typed))
        times.append(time.perf_counter() - started)
        sealed = crypto.seal_text(json.dumps(state, ensure_ascii=False), "whatsapp-conversation")
        largest = max(largest, len(sealed))
    assert state["at"] == SUBMIT, state["at"]
    return times, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    from yhteys.settings import load, set_settings

    set_settings(load({"SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789"}))
    for name, lines in (("tracing, Arabic, taps", ARABIC), ("social services, Somali", SOMALI)):
        times: list[float] = []
        largest = 0
        for _ in range(args.rounds):
            walked, size = walk(lines)
            times += walked
            largest = max(largest, size)
        times.sort()
        p50 = statistics.median(times) * 1000
        p95 = times[int(len(times) * 0.95)] * 1000
        print(f"{name}: {len(times)} steps, p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
              f"largest sealed state {largest} bytes")


if __name__ == "__main__":
    main()
