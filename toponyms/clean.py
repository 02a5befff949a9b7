"""Step 9: clean — put the canonical name in place of every resolved mention."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from toponyms.extract import find
from toponyms.model import Mention
from toponyms.resolve import Resolver


def _replace(mention: Mention) -> str:
    return mention.match.place.name


def _annotate(mention: Mention) -> str:
    canonical = mention.match.place.name
    return mention.text if mention.text == canonical else f"{mention.text} [{canonical}]"


STYLES: dict[str, Callable[[Mention], str]] = {"replace": _replace, "annotate": _annotate}


def rewrite(text: str, mentions: Sequence[Mention], *, style: str = "replace") -> str:
    """``text`` with each mention rewritten in ``style``; everything between mentions is kept as it is.

    ``replace`` puts the canonical name in place of the mention; ``annotate`` keeps
    the mention and adds the canonical name: "Krasnoarmeysk [Pokrovsk]".
    """
    try:
        render = STYLES[style]
    except KeyError:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}") from None
    pieces = []
    cursor = 0
    for mention in sorted(mentions, key=lambda m: m.start):
        pieces.append(text[cursor : mention.start])
        pieces.append(render(mention))
        cursor = mention.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def clean(text: str, *, resolver: Resolver | None = None, country: str | None = None, style: str = "replace") -> str:
    """``text`` with every place mention put in its canonical form.

    >>> clean("Shelling in Krasnoarmeysk and Artemovsk.")
    'Shelling in Pokrovsk and Bakhmut.'
    >>> clean("Shelling in Krasnoarmeysk.", style="annotate")
    'Shelling in Krasnoarmeysk [Pokrovsk].'
    """
    return rewrite(text, find(text, resolver=resolver, country=country), style=style)
