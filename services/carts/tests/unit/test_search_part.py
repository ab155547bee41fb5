"""Which part of the list's text filter the trigram index is asked for (domain.search)."""

from __future__ import annotations

import uuid

from cartio_carts.domain.search import Sample, index_part

# A table whose emails share a word, as real ones share their domains: its trigrams are in every text.
SAMPLE = Sample.of(f"shopper{n * 331}@example.com {uuid.UUID(int=n * 7919)}" for n in range(1, 2001))


def test_a_filter_with_common_words_is_looked_up_by_its_rare_part() -> None:
    assert index_part("shopper12345", SAMPLE) == "12345"
    assert index_part("shopper12345@example.com", SAMPLE) == "12345"


def test_a_filter_that_is_its_own_rarest_part_is_looked_up_whole() -> None:
    assert index_part("12345", SAMPLE) is None


def test_a_filter_most_carts_match_is_looked_up_whole_not_checked_row_by_row() -> None:
    assert index_part("example.com", SAMPLE) is None
    assert index_part("shopper", SAMPLE) is None


def test_a_filter_too_short_for_a_trigram_is_looked_up_whole() -> None:
    assert index_part("e1", SAMPLE) is None
    assert index_part("@.", SAMPLE) is None


def test_without_a_sample_every_filter_is_looked_up_whole() -> None:
    assert index_part("shopper12345", Sample()) is None
    assert index_part("shopper12345", Sample.of([])) is None


def test_a_trigram_s_share_is_of_the_texts_that_contain_it_once_or_more() -> None:
    sample = Sample.of(["aaaa bbb", "aaa", "ccc"])
    assert sample.shares["aaa"] == 2 / 3
    assert sample.shares["bbb"] == 1 / 3
    assert sample.found("aa") == 2 / 3
