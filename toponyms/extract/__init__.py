"""Step 8: find the place names of a running text.

A text is cut into runs of capitalised words (``scanners``); only runs can hold a mention. The
passes over a run, each adding what the last could not see (``passes``):

1. known names, and names of two or three words spelt in another system;
2. inflected Cyrillic phrases of two or three words (Донецкой области, Кривом Роге);
3. mixed-script words (Покровsk) and garbles (Mirnohrad); other capitalised words shaped like
   place names are reported as unresolved.

A run's findings depend on nothing but the run and the facts of the words beside it that its
checks read, so the run memo (``memo``) works each run out once; ``Extractor.scan_whole`` is the
same passes over a whole text without it. Then over the whole text:

4. lists of regions: the names before a word for regions are regions (``regions``);
5. glosses that tie an unknown name to a known one (``glosses``);
6. context: an ambiguous name is resolved again near the document's sure places (``context``).

Every candidate passes the same checks (``checks``): an everyday word needs support, an
adjective before a noun and a river are no place, and a loose match next to an unknown
capitalised word is taken for part of a person's name. No place is found inside the name of a
medium or organisation named after one (Kyiv Post, Ukrainska Pravda: ``organisations`` in
data/text.json).
"""

from __future__ import annotations

import threading
import weakref

from toponyms.extract.checks import SURE
from toponyms.extract.extractor import Extractor
from toponyms.extract.memo import Findings, RunMemo
from toponyms.extract.passes import Passes
from toponyms.extract.spans import Spans
from toponyms.model import Mention, Scan
from toponyms.resolve import Resolver, default_resolver

__all__ = ["SURE", "Extractor", "Findings", "Passes", "RunMemo", "Spans", "extractor_for", "find", "scan"]

_extractors: weakref.WeakKeyDictionary[Resolver, Extractor] = weakref.WeakKeyDictionary()
_making = threading.Lock()


def extractor_for(resolver: Resolver | None = None) -> Extractor:
    """The extractor of ``resolver`` (None: the default resolver), made once per resolver and process.

    The extractor lives as long as its resolver, and holds it weakly: keep the resolver while
    using the extractor. Corpus workers and distributed tasks share it this way.
    """
    resolver = resolver if resolver is not None else default_resolver()
    extractor = _extractors.get(resolver)
    if extractor is None or extractor.lookup.scoring != resolver.text_scoring:  # a new one when the seam moved
        with _making:
            extractor = _extractors.get(resolver)
            if extractor is None or extractor.lookup.scoring != resolver.text_scoring:
                extractor = _extractors[resolver] = Extractor(resolver, weak=True)
    return extractor


def scan(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> Scan:
    """Mentions, unresolved candidates and glossed aliases of ``text``; see ``Extractor.scan``."""
    return extractor_for(resolver).scan(text, country=country)


def find(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> list[Mention]:
    """Every place mention in ``text``, sorted and non-overlapping.

    >>> [(m.text, m.match.place.name) for m in find("Fighting near Krasnoarmeysk and в Бахмуте.")]
    [('Krasnoarmeysk', 'Pokrovsk'), ('Бахмуте', 'Bakhmut')]
    """
    return extractor_for(resolver).find(text, country=country)
