"""BCP 47 language tags: validation and normalization, checked with babel.

termbank speaks BCP 47 everywhere (``en``, ``es-MX``, ``es-419``); babel's locale
identifiers (``es_MX``) and odd spellings seen in the wild (``ES-mx``, ``es_XX``) are
converted here and only here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .errors import UsageError

__all__ = ["normalize_tag", "validate_tag", "is_tag", "base_language", "to_locale", "locale_distance", "validate_to",
           "SUPPORTED"]

#: The languages termbank works with.
SUPPORTED = ("en", "es")

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")


def normalize_tag(tag: str) -> str | None:
    """Return the canonical BCP 47 spelling of ``tag``, or None if it is not a known locale.

    >>> normalize_tag("ES_mx"), normalize_tag("es-419"), normalize_tag("EN")
    ('es-MX', 'es-419', 'en')
    >>> normalize_tag("xx-YY") is None
    True
    """
    m = _TAG.match(tag.strip())
    if not m:
        return None
    lang, script, region = m.group(1).lower(), m.group(2), m.group(3)
    parts = [lang]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    try:
        Locale.parse("_".join(parts))
    except (UnknownLocaleError, ValueError):
        if not region:
            return None
        # babel knows es_419 but not every language-region pair; accept a known
        # language with a syntactically valid region (UN M.49 or ISO 3166).
        try:
            Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            return None
    return "-".join(parts)


def is_tag(tag: str) -> bool:
    """Return True if ``tag`` is a BCP 47 tag babel knows.

    >>> is_tag("es-MX"), is_tag("spanish")
    (True, False)
    """
    return normalize_tag(tag) is not None


def validate_tag(tag: str) -> str:
    """Return the canonical tag, or raise :class:`UsageError` naming the bad tag."""
    norm = normalize_tag(tag)
    if norm is None:
        raise UsageError(f"unknown language tag {tag!r} (use BCP 47, e.g. en, es, es-MX, es-419)")
    return norm


def validate_to(tag: str) -> str:
    """Return the canonical tag of a ``--to`` locale, which must be English or Spanish.

    >>> validate_to("es_mx")
    'es-MX'
    >>> validate_to("fr")
    Traceback (most recent call last):
    ...
    termbank.errors.UsageError: --to fr: termbank translates between English and Spanish (use en, es or a locale such as es-MX)
    """
    norm = validate_tag(tag)
    if base_language(norm) not in SUPPORTED:
        raise UsageError(f"--to {norm}: termbank translates between English and Spanish "
                         "(use en, es or a locale such as es-MX)")
    return norm


def base_language(tag: str) -> str:
    """Return the language subtag in lower case.

    >>> base_language("es-MX")
    'es'
    """
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


def to_locale(tag: str) -> Locale:
    """Return the babel :class:`Locale` for a tag (``es-419`` -> ``es_419``)."""
    return Locale.parse(validate_tag(tag).replace("-", "_"))


def locale_distance(tag: str, want: str | None) -> int:
    """Return how well a term's locale ``tag`` fits the locale ``want`` asked for (0 best).

    0: the same locale, or nothing asked for; 1: a region containing it in CLDR's locale
    tree (``es-419``, Latin America, for ``es-MX``), or any region when the language alone
    is asked for; 2: the language alone (``es``); 3: another region (``es-ES`` for ``es-MX``).

    >>> [locale_distance(t, "es-MX") for t in ("es-MX", "es-419", "es", "es-ES")]
    [0, 1, 2, 3]
    >>> locale_distance("es-ES", None), locale_distance("es", "es"), locale_distance("es-419", "es")
    (0, 0, 1)
    """
    if not want:
        return 0
    if "-" not in want:
        return 0 if "-" not in tag else 1
    tag, want = tag.lower(), want.lower()
    if tag == want:
        return 0
    if "-" not in tag:
        return 2
    return 1 if tag in _parents(want) else 3


@lru_cache(maxsize=64)
def _parents(tag: str) -> frozenset[str]:
    """Return the lower-case tags of the regions above ``tag`` in CLDR's parent locales."""
    parents = get_global("parent_exceptions")  # {"es_MX": "es_419", ...}
    lang, _, region = tag.partition("-")
    out, cur = set(), f"{lang}_{region.upper()}"
    while cur in parents:
        cur = parents[cur]
        out.add(cur.replace("_", "-").lower())
    return frozenset(out)
