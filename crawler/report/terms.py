"""Top terms of a report: words counted once per post, without stopwords.

Stopwords: Sastrawi's Indonesian list (809 words, PyPI ``PySastrawi``), informal spellings
common in forums and chats (``yg``, ``gak``, ``aja``...), English function words, and words
of forum chrome (``quote``, ``wrote``, ``menulis``...). Words are lower-cased letter runs of
at least three letters (hyphenated reduplications such as ``rumah-rumah`` stay one term);
URLs, e-mail addresses and @handles are not words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

WORD = re.compile(r"[^\W\d_]{3,}(?:-[^\W\d_]+)*")
NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w+|#\w+")

INFORMAL = """
yg dgn utk krn tdk gak ga nggak ngga engga gk tak aja ajah udah udh sdh blm belum lg lagi
sih deh dong kok nih tuh kan kah lah pun jd jdi bgt banget kalo klo kl sm sama trs terus
emang emg mmg ama bisa bs gitu gini kayak kaya kyk spt gimana gmn knp kenapa apa aku gue
gua gw lu lo loe elu kau km kamu kalian mereka dia kami kita ane ente agan gan sis bro om
tau tahu mau mo ntar nanti tp tapi jg juga aj dah deh lho loh yah ya iya yaa wkwk wkwkwk
haha hahaha hehe hehehe xixi anjay btw min admin thread trit gan sob ok oke okay
"""
ENGLISH = """
the and for are but not you all any can her was one our out day get has him his how man
new now old see two way who boy did its let put say she too use that with have this will
your from they know want been good much some time very when come here just like long make
many more only over such take than them well were what there their would about which could
other these into also then
"""
FORUM = """
quote wrote menulis said kutip reply balas posted diposting post posting thread topic topik
page halaman view lihat http https www com html php
"""


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Every stopword: Sastrawi's list and the three lists above."""
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    words = set(StopWordRemoverFactory().get_stop_words())
    for block in (INFORMAL, ENGLISH, FORUM):
        words.update(block.split())
    return frozenset(words)


def words_of(text: str) -> set[str]:
    """The distinct terms of one post (lower case, stopwords removed)."""
    stop = stopwords()
    cleaned = NOT_WORDS.sub(" ", text.lower())
    return {w for w in WORD.findall(cleaned) if w not in stop and w.strip("-") not in stop}


class TermCounter:
    """Counts in how many posts of each period a term occurs."""

    def __init__(self) -> None:
        self.before: Counter[str] = Counter()
        self.after: Counter[str] = Counter()

    def add(self, text: str, after: bool) -> None:
        """One post's text, of the period after the event or before it."""
        (self.after if after else self.before).update(words_of(text))

    def add_all(self, rows: Iterable[tuple[str, bool]]) -> None:
        """Many ``(text, after)`` rows."""
        for text, after in rows:
            self.add(text, after)

    def top(self, n: int) -> list[tuple[str, int, int]]:
        """``(term, posts before, posts after)`` of the ``n`` terms in most posts overall
        (ties: alphabetical)."""
        total = self.before + self.after
        ranked = sorted(total.items(), key=lambda item: (-item[1], item[0]))[:n]
        return [(term, self.before[term], self.after[term]) for term, _ in ranked]
