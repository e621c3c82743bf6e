"""Words people read on figures and in reports: country names, product names, short labels.

Country names come from the packaged supplier catalogue (:func:`tradesim.data.catalogues.
supplier_names`, the names the rest of tradesim uses), then, for other ISO 3166 codes (a user's
own frame), from the ``pycountry`` database (its common name where it has one); the model's
aggregates (``ROW``, ``WORLD``, …) are named here in lower case, as they read mid-sentence.
Census product descriptions are ALL CAPS with abbreviations ("DAIRY PRODS; BIRDS EGGS");
:func:`sentence_case` turns them into sentence case and spells out the unambiguous
abbreviations. :func:`shorten` cuts a label at a word boundary.
"""

from __future__ import annotations

import functools
import re

from tradesim.data import catalogues

__all__ = ["country", "product_label", "sentence_case", "shorten"]

#: Aggregates of the model, as they read mid-sentence.
_NAMES = {"ROW": "rest of the world", "WORLD": "world", "OTHER": "others",
          "REST": "rest of the world"}

#: Acronyms kept in capitals when a Census description is put in sentence case.
_ACRONYMS = frozenset({"TV", "US", "USA", "EU", "HS", "LNG", "LPG", "DDGS", "GPU", "GPUS",
                       "CPU", "AI", "PC", "PCS", "LED", "LCD", "DVD", "CD", "UN", "OPEC",
                       "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "XIII",
                       "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII"})

#: Census abbreviations with one reading (lower case, whole words only).
_ABBREVIATIONS = {
    "prods": "products", "prod": "products", "equip": "equipment", "pts": "parts",
    "misc": "miscellaneous", "incl": "including", "inc": "including", "mfr": "manufactures",
    "inorg": "inorganic", "chem": "chemicals", "w/o": "without", "nesoi": "n.e.s.",
    "veg": "vegetable", "instrments": "instruments", "furnit": "furniture",
    "mattres": "mattresses", "wickerwrk": "wickerwork", "recovd": "recovered",
    "radioact": "radioactive", "compd": "compounds", "subst": "substances",
}


@functools.cache
def country(code: str) -> str:
    """The name of a supplier or market code (ISO 3166 alpha-3, or a model aggregate).

    Examples
    --------
    >>> country("VNM"), country("KOR"), country("EU"), country("ROW")
    ('Vietnam', 'South Korea', 'European Union', 'rest of the world')
    >>> country("NPL")  # not a supplier of the packaged data: ISO 3166 via pycountry
    'Nepal'
    >>> country("XYZ")  # unknown codes are shown as they are
    'XYZ'
    """
    import pycountry

    key = str(code).strip().upper()
    if key in _NAMES:
        return _NAMES[key]
    known = catalogues.supplier_names("en")
    if key in known:
        return str(known[key])
    found = pycountry.countries.get(alpha_3=key) if len(key) == 3 else None
    if found is None:
        return str(code)
    return str(getattr(found, "common_name", None) or found.name)


def _caps_word(word: str) -> str:
    core = word.strip(".,;:()&'\"")
    if core.upper() in _ACRONYMS and core.isupper():
        return word
    low = word.lower()
    stripped = low.strip(".,;:()'\"")
    if stripped in _ABBREVIATIONS:
        return low.replace(stripped, _ABBREVIATIONS[stripped], 1)
    return low


def sentence_case(text: str) -> str:
    """Census ALL CAPS descriptions in sentence case; mixed-case text is left as written.

    Words written in capitals (two letters or more) are lowered, except acronyms (TV, LNG, …);
    unambiguous Census abbreviations are spelled out; the first letter is capitalised.

    Examples
    --------
    >>> sentence_case("DAIRY PRODS; BIRDS EGGS; HONEY; ED ANIMAL PR NESOI")
    'Dairy products; birds eggs; honey; ed animal pr n.e.s.'
    >>> sentence_case("rest of ELECTRIC MACHINERY ETC; SOUND EQUIP; TV EQUIP; PTS")
    'Rest of electric machinery etc; sound equipment; TV equipment; parts'
    >>> sentence_case("rest of Other furniture and parts")
    'Rest of other furniture and parts'
    >>> sentence_case("Tree nuts (almonds and others)")
    'Tree nuts (almonds and others)'
    """
    words = re.split(r"(\s+|(?<=[;,])(?=\S))", text.strip())
    out = [(_caps_word(w) if sum(c.isalpha() for c in w) >= 2 and w.upper() == w else w)
           for w in words]
    joined = re.sub(r"^(rest of )([A-Z])(?=[a-z])", lambda m: m.group(1) + m.group(2).lower(),
                    "".join(out), flags=re.IGNORECASE)
    return joined[:1].upper() + joined[1:]


def shorten(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters at a word boundary, with an ellipsis.

    Examples
    --------
    >>> shorten("Machinery and mechanical appliances; electrical equipment", 40)
    'Machinery and mechanical appliances…'
    >>> shorten("Footwear", 40)
    'Footwear'
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[:max(width - 1, 1)]
    space = cut.rfind(" ")
    if space > width // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–&/(") + "…"


def product_label(code: str, name: str | None = None, width: int = 40) -> str:
    """``"8542 Electronic integrated circuits…"``: the code, then the name in sentence case,
    shortened at a word boundary to ``width`` characters in all.

    Examples
    --------
    >>> product_label("61", "APPAREL ARTICLES AND ACCESSORIES, KNIT OR CROCHET", 40)
    '61 Apparel articles and accessories…'
    """
    if not name:
        return str(code)
    return shorten(f"{code} {sentence_case(str(name))}", width)
