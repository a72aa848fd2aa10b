"""Chinese full-text search of needs that works the same on SQLite and PostgreSQL.

Chinese has no spaces between words, so word-based full-text search (PostgreSQL's tsvector with
the default parsers, SQLite FTS5's unicode61 tokenizer) does not find "路灯" inside
"村口路灯坏了三个月", and a dictionary segmenter (jieba, zhparser) is one more dependency and
still misses words it does not know (place names, 湾组 names). Instead we index **character
bigrams**, the classic n-gram method for CJK text:

* When a need is saved, its title and text are normalised (NFKC, so full-width letters and
  digits match half-width ones, then lower-cased), split into runs of letters/digits/CJK
  characters (punctuation and spaces break runs), and every pair of adjacent characters in a run
  is stored once as a ``NeedToken(need, token)`` row. The unique index ``(token, need)`` is a
  B-tree on both databases, so looking up one bigram is an index range scan.
* A query is split on spaces into terms (all must match). For a term of two or more characters
  each of its bigrams must be among the need's tokens (one indexed semi-join per bigram), and the
  term must occur as a phrase in the need's normalised ``search_text`` — the bigrams narrow the
  candidates, the phrase check removes false positives such as "灯坏" + "路灯" appearing apart.
* A one-character term has no bigram; it is matched with the phrase check alone, within the
  viewer's scope (a village's needs, a few hundred rows).

Nothing here depends on the database vendor: the same SQL runs on SQLite and PostgreSQL.
"""

import re
import unicodedata

from django.db.models import Q

_RUN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 5
MAX_TERM_LENGTH = 30


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def bigrams(text: str) -> set[str]:
    """The distinct character bigrams of ``text`` (after normalising), within runs of word
    characters: "村口路灯坏了" → {"村口", "口路", "路灯", "灯坏", "坏了"}."""
    grams: set[str] = set()
    for run in _RUN.findall(normalize(text)):
        run = run.replace("_", "")
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def query_terms(query: str) -> list[str]:
    """The search terms of a query: normalised runs of word characters, at most MAX_TERMS."""
    terms = [t.replace("_", "") for t in _RUN.findall(normalize(query))]
    return [t[:MAX_TERM_LENGTH] for t in terms if t][:MAX_TERMS]


def search_q(query: str) -> Q:
    """A filter on Need matching every term of ``query`` (see the module docstring)."""
    from wugong.needs.models import NeedToken

    q = Q()
    for term in query_terms(query):
        for gram in sorted(bigrams(term)):
            q &= Q(pk__in=NeedToken.objects.filter(token=gram).values("need_id"))
        q &= Q(search_text__contains=term)
    return q
