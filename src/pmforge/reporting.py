"""Reporters: the only code that turns problems into text."""

from __future__ import annotations

from typing import Callable, TextIO

from pmforge.problems import Problem

Reporter = Callable[[list[Problem], TextIO], None]


def text_reporter(problems: list[Problem], stream: TextIO) -> None:
    """``FILE:LINE:COL: error: MESSAGE [rule]``, one per line, in file order."""
    for problem in sorted(problems):
        stream.write(f"{problem}\n")


REPORTERS: dict[str, Reporter] = {"text": text_reporter}
