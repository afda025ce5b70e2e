"""String building, splitting and regular expressions."""
import os
import re

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
WORD = re.compile(r"[a-z]+")
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def make_text(n):
    parts = []
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        if i % 5 == 0:
            word = word.upper()
        parts.append(f"{word}-{i}")
    return " ".join(parts)


def analyse(text):
    counts = {}
    for token in text.split():
        match = WORD.match(token.lower())
        if match:
            key = match.group(0)
            counts[key] = counts.get(key, 0) + 1
    return counts


total = 0
for round_ in range(int(600 * SCALE)):
    counts = analyse(make_text(5000))
    total += sum(counts.values())
print(total)
