"""Numbers in title keys as digits (bookrec.serving.numbers): the reader's key and the
catalog's come out the same whether a number is typed in words or digits."""

from __future__ import annotations

import pytest

from bookrec.serving.numbers import numbers_as_digits


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("one hundred years of solitude", "100 years of solitude"),
        ("a thousand splendid suns", "1000 splendid suns"),
        ("twenty thousand leagues under the sea", "20 000 leagues under the sea"),
        ("thirteen reasons why", "13 reasons why"),
        ("the hundred and one dalmatians", "the 101 dalmatians"),
        ("the five people you meet in heaven", "the 5 people you meet in heaven"),
        ("twenty one", "21"),
        # not one number: read alike on both sides, 19 and 84
        ("nineteen eighty four", "19 84"),
    ],
)
def test_a_number_in_words_or_digits_is_one_key(words, digits):
    assert numbers_as_digits(words) == numbers_as_digits(digits)
    assert not any(w in numbers_as_digits(words).split() for w in ("one", "thousand", "five"))


@pytest.mark.parametrize(
    "key",
    [
        "catch 22",
        "and then there were none",  # "and" only inside a number
        "a tale of cities",  # "a" only before hundred or a scale
        "2001 a space odyssey",
    ],
)
def test_a_title_without_number_words_stays_itself(key):
    assert numbers_as_digits(key) == key
