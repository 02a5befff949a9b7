"""The mentions a pass has found so far in a text, kept sorted and non-overlapping."""

from __future__ import annotations

from toponyms.model import Mention


class Spans:
    """The mentions found so far, kept sorted and non-overlapping.

    A pass reads and changes them in the order of the text, a few at a time around one place,
    so they are kept as a gap buffer: the mentions before a cursor in order, those after it in
    reverse order, so that both lists end at the cursor. Moving the cursor costs one step for
    each mention it passes, and a pass over the text passes each mention once (and those of a
    gloss or a list of regions again, a few characters back): linear in the text, where a
    scan of every span for each lookup, or inserting into the middle of one sorted list, is
    quadratic in the mentions of a long text (tests/test_extract.py counts the steps).
    """

    __slots__ = ("_before", "_after")

    def __init__(self, mentions: list[Mention] | None = None) -> None:
        """Start from ``mentions``, sorted and non-overlapping, or from none."""
        self._before: list[Mention] = []  # the mentions that start at or before the cursor, in order
        self._after: list[Mention] = mentions[::-1] if mentions else []  # the others, last first

    def _seek(self, start: int) -> tuple[Mention | None, Mention | None]:
        """Move the cursor to ``start``: the last mention that starts at or before it, and the next one."""
        before, after = self._before, self._after
        while after and after[-1].start <= start:
            before.append(after.pop())
        while before and before[-1].start > start:
            after.append(before.pop())
        return (before[-1] if before else None), (after[-1] if after else None)

    def add(self, mention: Mention | None) -> None:
        """Add ``mention`` (if any) unless it overlaps one found already."""
        if mention is not None and not self.overlaps(mention.start, mention.end):
            self._before.append(mention)  # overlaps() left the cursor at its start

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a mention found overlaps [start, end)."""
        last, following = self._seek(start)
        return (last is not None and last.end > start) or (following is not None and following.start < end)

    def covers(self, start: int, end: int) -> bool:
        """Whether one mention already spans all of [start, end)."""
        last, _ = self._seek(start)
        return last is not None and last.end >= end

    def at(self, start: int, end: int) -> Mention | None:
        """The mention overlapping [start, end), if any (the first, if several)."""
        last, following = self._seek(start)
        if last is not None and last.start < end and start < last.end:
            return last
        return following if following is not None and following.start < end else None

    def replace_inside(self, mention: Mention) -> None:
        """Add ``mention``, dropping the shorter mentions inside it; skip it if it cuts one."""
        start, end = mention.start, mention.end
        last, _ = self._seek(start)
        if last is not None and last.end > start and (last.start < start or last.end > end):
            return  # it cuts the mention before it
        after, inside = self._after, 0
        while inside < len(after) and after[-1 - inside].start < end:
            inside += 1
        if inside and after[-inside].end > end:
            return  # it cuts the last mention it reaches into
        if inside:
            del after[-inside:]
        if last is not None and last.end > start:
            self._before.pop()
        self._before.append(mention)

    def mentions(self) -> list[Mention]:
        """The mentions, in the order of the text."""
        return self._before + self._after[::-1]
