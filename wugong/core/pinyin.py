"""Pinyin sort keys, so that Chinese names sort the way people expect (按拼音排序)."""

from pypinyin import Style, lazy_pinyin


def pinyin_sort_key(text: str) -> str:
    """A lower-case ASCII key: the pinyin of each character (tone-less), then the text itself.

    Characters with the same pinyin stay grouped and distinct names never collide.
    """
    syllables = lazy_pinyin(text or "", style=Style.NORMAL, errors="default")
    return (" ".join(syllables).lower() + "|" + (text or ""))[:200]
