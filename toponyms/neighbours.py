"""Step 7a's nearest keys: the spelling keys within an edit or two of a query's, by symmetric deletion.

Two strings are one edit apart (a letter replaced, left out, added, or two neighbours swapped)
only if deleting at most one letter of each makes them equal. So the index files every key
under itself and under each of its one-letter deletions, and a query looks up itself and its
own deletions; deleting up to two letters of the query reaches a little further (a replaced
letter and a letter added, two letters added) at no cost in memory.

Strings are filed as 64-bit polynomial hashes (``BASE``, modulo 2**64) times ``SPREAD`` (a
bijection that moves every letter's bits into the top ones), each packed with the number of its
key into one sorted array: a hash keeps its top ``64 - bits`` bits, the key number takes the low
``bits``. Two strings whose hashes agree there are taken for one; the cost of such a rare
collision is an unrelated key handed on, which the caller's similarity cutoff drops. A directory
of where each value of the top ``DIRECTORY_BITS`` starts spares a binary search of the whole
array (its last steps miss the cache). Needs numpy, as the model does.
"""

from __future__ import annotations

from typing import Any

BASE = 0x100000001B3  # odd, so that every power of it is too: no letter's weight wraps to zero
SPREAD = 0x9E3779B97F4A7C15  # odd: multiplying by it is a bijection, and the top bits depend on every bit
WORD = (1 << 64) - 1
PER_SLOT = 8  # entries of the array a slot of the directory holds, on average


def deletion_table(keys: list[str]) -> tuple[bytes, int]:
    """The sorted packed array (as bytes) of every key's hash and its one-letter deletions' hashes,
    with the number of low bits that hold the key number."""
    import numpy as np

    bits = max(1, (len(keys) - 1).bit_length())
    by_length: dict[int, list[int]] = {}
    for number, key in enumerate(keys):
        by_length.setdefault(len(key), []).append(number)
    packed = []
    for length, numbers in sorted(by_length.items()):
        if not length:
            continue
        text = "".join(keys[number] for number in numbers)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).reshape(len(numbers), length)
        prefixes = np.zeros((len(numbers), length + 1), dtype=np.uint64)
        for at in range(length):
            prefixes[:, at + 1] = prefixes[:, at] * np.uint64(BASE) + codes[:, at]
        hashes = _variants(prefixes, _powers(length, np), None, np)
        owners = np.repeat(np.array(numbers, dtype=np.uint64), hashes.shape[1])
        packed.append(_pack(hashes.ravel(), bits, np) | owners)
    table = np.sort(np.concatenate(packed)) if packed else np.empty(0, dtype=np.uint64)
    return table.tobytes(), bits


class Deletions:
    """Lookups in a ``deletion_table``."""

    def __init__(self, table: bytes, bits: int, *, twice_up_to: int) -> None:
        import numpy as np

        self.table = np.frombuffer(table, dtype=np.uint64)
        self.bits = bits
        self.mask = np.uint64((1 << bits) - 1)
        self.twice_up_to = twice_up_to  # the longest query whose two-letter deletions are looked up too
        self.shift = np.uint64(64 - max(1, (len(self.table) // PER_SLOT).bit_length()))
        slots = 1 << (64 - int(self.shift))
        self.directory = np.zeros(slots + 1, dtype=np.int32)
        np.cumsum(np.bincount((self.table >> self.shift).astype(np.intp), minlength=slots), out=self.directory[1:])
        self._shapes: dict[int, tuple[Any, Any]] = {}  # length -> (powers, pairs of positions)

    def near(self, key: str) -> Any:
        """The numbers of the keys that meet ``key`` within one deletion of theirs and two of its
        (one, for a query longer than ``twice_up_to``), in ascending order, as a numpy array."""
        import numpy as np

        length = len(key)
        shape = self._shapes.get(length)
        if shape is None:
            shape = self._shapes[length] = (_powers(length, np), np.triu_indices(length, 1) if length > 1 else None)
        prefixes = [0]
        for letter in key:
            prefixes.append((prefixes[-1] * BASE + ord(letter)) & WORD)
        powers, pairs = shape
        hashes = _variants(np.array([prefixes], dtype=np.uint64), powers, pairs if length <= self.twice_up_to else None, np)
        wanted = _pack(hashes[0], self.bits, np)
        slot = (wanted >> self.shift).astype(np.intp)
        starts, ends = self.directory[slot], self.directory[slot + 1]
        sizes = ends - starts
        # Every entry of the slots looked up, beside the value it must equal.
        at = np.arange(sizes.sum()) + np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
        entries = self.table[at]
        found = (entries[(entries & ~self.mask) == np.repeat(wanted, sizes)] & self.mask).astype(np.int64)
        found.sort()
        return found[np.concatenate(([True], found[1:] != found[:-1]))] if len(found) > 1 else found


def _powers(length: int, np: Any) -> Any:
    """``BASE`` to the powers 0 to ``length``, modulo 2**64."""
    powers = np.ones(length + 1, dtype=np.uint64)
    powers[1:] = np.cumprod(np.full(length, np.uint64(BASE), dtype=np.uint64))
    return powers


def _variants(prefixes: Any, powers: Any, pairs: Any, np: Any) -> Any:
    """For each row of prefix hashes (n by L + 1: ``pre[j]`` is the hash of the first ``j`` letters),
    the hashes of the string, of each of its one-letter deletions and, given the ``pairs`` of
    positions (``np.triu_indices(L, 1)``), of each of its two-letter deletions.

    With ``d[j] = pre[j + 1] - pre[j]`` and ``P`` the powers of ``BASE``, deleting letter ``j`` gives
    ``pre[L] - d[j] P[L-1-j]``, and deleting letters ``i < j`` gives
    ``pre[L] - d[i] P[L-2-i] - d[j] P[L-1-j]``: every variant in a few array operations.
    """
    length = prefixes.shape[1] - 1
    whole = prefixes[:, length:]
    steps = prefixes[:, 1:] - prefixes[:, :-1]
    last = steps * powers[length - 1 :: -1][:length]  # d[j] P[L-1-j]
    parts = [whole, whole - last]
    if pairs is not None:
        first, second = pairs
        parts.append(whole - steps[:, first] * powers[length - 2 - first] - last[:, second])
    return np.concatenate(parts, axis=1)


def _pack(hashes: Any, bits: int, np: Any) -> Any:
    """Hashes spread over the top bits and their low ``bits`` cleared, for key numbers to fill."""
    return (hashes * np.uint64(SPREAD)) & ~np.uint64((1 << bits) - 1)
