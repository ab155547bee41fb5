"""Which part of the list's text filter `q` the trigram index is asked for (issue 16).

`q` matches a cart whose `search` text (email, name, id) contains it. PostgreSQL answers `search LIKE '%q%'` from
the trigram GIN index by reading the posting list of every trigram of `q` in full, so a `q` with a common trigram
(`gma`, `com`, a domain's or a common name's) reads a row id of nearly every cart of every store: at a million
carts 'shopper12345' spent 12 ms decoding six posting lists of a million ids each, for 8 rows. Asking the index
for the rare part of `q` alone ('12345') and checking the whole of it on the few rows found (`strpos`) returns
the same rows for a fraction of the work. Which part is rare comes from the trigrams' share of a sample of the
table's texts (`trigram_shares`); the choice never changes the answer, only the work.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# The part asked for: this many consecutive trigrams (5 characters) of one word, or a shorter word whole.
PART_TRIGRAMS = 3
# Only a part whose posting lists are at most this share of all of `q`'s is worth the extra check,
WORTH = 0.5
# and only when few rows contain it (at most this share of the sample): each found row is read to check `q`.
MAX_FOUND = 0.005
_WORD = re.compile(r"[^\W_]{3,}")  # runs of letters and digits: pg_trgm makes trigrams within words only


def trigrams(word: str) -> list[str]:
    return [word[i:i + 3] for i in range(len(word) - 2)]


@dataclass(frozen=True)
class Sample:
    """A sample of the table's `search` texts and, for each trigram, the share of them that contain it."""

    texts: tuple[str, ...] = ()
    shares: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Sample:
        kept = tuple(texts)
        counts: Counter[str] = Counter()
        for text in kept:
            counts.update({t for word in _WORD.findall(text) for t in trigrams(word)})
        return cls(kept, {t: n / len(kept) for t, n in counts.items()})

    def work(self, text: str) -> float:
        """The posting lists the index reads for `text`, as shares of the table."""
        return sum(self.shares.get(t, 0.0) for word in _WORD.findall(text) for t in trigrams(word))

    def found(self, part: str) -> float:
        """The share of the sample whose text contains `part`."""
        return sum(part in text for text in self.texts) / len(self.texts) if self.texts else 1.0


def index_part(q: str, sample: Sample) -> str | None:
    """The part of `q` (`PART_TRIGRAMS` consecutive trigrams of one of its words, or a shorter word) to look up in
    the trigram index: the one whose trigrams are the rarest in the sample, when their posting lists are much
    shorter than all of `q`'s and few rows contain it; None to look up `q` itself."""
    words: list[str] = _WORD.findall(q)
    if not words or not sample.texts:
        return None
    size = PART_TRIGRAMS + 2
    parts = {word[i:i + size] for word in words for i in range(max(1, len(word) - size + 1))}
    work, part = min((sample.work(p), p) for p in parts)
    if part == q or work > WORTH * sample.work(q) or sample.found(part) > MAX_FOUND:
        return None
    return part
