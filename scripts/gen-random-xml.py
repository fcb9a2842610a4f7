#!/usr/bin/env python3
"""Writes random, namespace-well-formed XML documents for the c14n differential run.

    scripts/gen-random-xml.py --seed 1 --count 3000 --out DIR

Writes DIR/rand-00000.xml … and DIR/ids.tsv (file, one ID present in it) for subtree runs.
The same seed always gives the same files. Documents stay inside fedgate's default limits
(depth <= 12, <= 8 attributes per element, a few hundred nodes) and carry no DOCTYPE. They
exercise: nesting, prefixes bound, rebound and bound to one URI twice, default namespaces and
xmlns="" undeclarations, attributes namespaced and not (xml:lang, xml:space too), text and
attribute values needing escapes, literal CR/LF/CRLF/TAB, character references, CDATA,
comments, processing instructions inside and outside the root, whitespace outside the root,
multibyte UTF-8 and unique `ID` attributes.
"""

import argparse
import random
from pathlib import Path

URIS = ["urn:x", "urn:y", "http://example.test/ns", "urn:oasis:names:tc:SAML:2.0:assertion", "urn:x"]
PREFIXES = ["a", "b", "p", "q", "saml", "ns1"]
LOCALS = ["r", "e", "Item", "x-y", "e.f", "_u", "n2", "Assertion", "élan", "名"]
ATTR_LOCALS = ["a", "b", "c", "z", "A", "_k", "x-y", "e.f", "Name", "ä"]
XML_NS = "http://www.w3.org/XML/1998/namespace"

TEXT_PIECES = ["hello", " ", "  ", "\n", "\r\n", "\r", "\t", "&amp;", "&lt;", "&gt;", ">", "\"", "'",
               "&#13;", "&#xD;", "&#10;", "&#9;", "&#x20AC;", "&#128512;", "é", "日本語", "😀", "Ω",
               "a&amp;b", "]]&gt;", "x=1", "&quot;", "&apos;", "\u00a0", "\u2028"]
ATTR_PIECES = ["v", " ", "&amp;", "&lt;", "&quot;", "'", ">", "&gt;", "&#9;", "&#10;", "&#13;", "\t", "\n",
               "\r\n", "é", "😀", "日本", "&#x20AC;", "a b", "urn:x", "&apos;"]
COMMENT_PIECES = ["c", " ", "- ", "<tag>", "&amp;", "é", "😀", "\n", "\r\n", "]]>", "x-y"]
PI_TARGETS = ["pi", "app", "x-y", "target.v1", "ñ"]
PI_PIECES = ["data", " ", "a=\"1\"", "<>", "&amp;", "é", "\n", "?", "x"]
CDATA_PIECES = ["<a>", "&", "]]", "]", ">", " ", "text", "\r\n", "é", "😀", "&amp;"]


def pieces(rng, pool, lo=0, hi=5):
    return "".join(rng.choice(pool) for _ in range(rng.randint(lo, hi)))


def comment(rng):
    body = pieces(rng, COMMENT_PIECES)
    body = body.replace("--", "- -")
    if body.endswith("-"):
        body += " "
    return f"<!--{body}-->"


def pi(rng):
    data = pieces(rng, PI_PIECES).replace("?>", "? >")
    sep = rng.choice([" ", "  ", "\t"]) if data or rng.random() < 0.3 else ""
    return f"<?{rng.choice(PI_TARGETS)}{sep}{data}?>"


def cdata(rng):
    return "<![CDATA[" + pieces(rng, CDATA_PIECES).replace("]]>", "]] >") + "]]>"


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.next_id = 0
        self.ids = []
        self.nodes = 0

    def element(self, depth, scope, default):
        rng = self.rng
        self.nodes += 1
        decls = {}
        # namespace declarations: new prefixes, rebinding, redundant redeclaration
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
            decls[rng.choice(PREFIXES)] = rng.choice(URIS)
        if rng.random() < 0.25:
            if default and rng.random() < 0.4:
                decls[""] = ""  # xmlns="" undeclares the default
            else:
                decls[""] = rng.choice(URIS + [""])
        scope = dict(scope)
        for p, u in decls.items():
            if p:
                scope[p] = u
        if "" in decls:
            default = decls[""]
        # element name: unprefixed (in the default namespace) or a prefix in scope
        local = rng.choice(LOCALS)
        prefix = rng.choice([None] + sorted(scope)) if scope and rng.random() < 0.6 else None
        qname = f"{prefix}:{local}" if prefix else local
        # attributes: unique by expanded name
        seen = set()
        attrs = []
        for _ in range(rng.randint(0, 5)):
            kind = rng.random()
            if kind < 0.5:
                name, key = (lambda l: (l, (None, l)))(rng.choice(ATTR_LOCALS))
            elif kind < 0.9 and scope:
                p = rng.choice(sorted(scope))
                l = rng.choice(ATTR_LOCALS)
                name, key = f"{p}:{l}", (scope[p], l)
            else:
                l = rng.choice(["lang", "space"])
                name, key = f"xml:{l}", (XML_NS, l)
            if key in seen:
                continue
            seen.add(key)
            if name == "xml:space":
                value = rng.choice(["preserve", "default"])
            else:
                value = pieces(rng, ATTR_PIECES, 0, 4)
            q = rng.choice(['"', "'"])
            value = value.replace(q, "&quot;" if q == '"' else "&apos;")
            attrs.append(f"{name}={q}{value}{q}")
        if rng.random() < 0.2:
            attrs.append(f'ID="i{self.next_id}"')
            self.ids.append(f"i{self.next_id}")
            self.next_id += 1
        parts = [f'xmlns{":" + p if p else ""}="{u}"' for p, u in decls.items()] + attrs
        rng.shuffle(parts)
        start = "<" + qname + "".join(" " + a for a in parts)
        # content
        content = []
        if depth < 11 and self.nodes < 300:
            for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
                r = rng.random()
                if r < 0.45:
                    content.append(self.element(depth + 1, scope, default))
                elif r < 0.75:
                    content.append(pieces(rng, TEXT_PIECES, 1, 4))
                elif r < 0.85:
                    content.append(comment(rng))
                elif r < 0.93:
                    content.append(pi(rng))
                else:
                    content.append(cdata(rng))
        if not content and rng.random() < 0.5:
            return start + rng.choice(["/>", " />"])
        return start + ">" + "".join(content) + f"</{qname}>"


def document(rng):
    g = Gen(rng)
    out = []
    if rng.random() < 0.5:
        out.append(rng.choice(['<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>',
                               "<?xml version='1.0' encoding='utf-8' standalone='yes'?>"]))
    for _ in range(rng.randint(0, 2)):
        out.append(rng.choice(["\n", "\r\n", " ", "\n\n"]) + rng.choice([comment(rng), pi(rng), ""]))
    out.append(rng.choice(["", "\n", "\r\n"]))
    out.append(g.element(0, {}, ""))
    for _ in range(rng.randint(0, 2)):
        out.append(rng.choice(["\n", "\r\n", " \t", ""]) + rng.choice([comment(rng), pi(rng), ""]))
    out.append(rng.choice(["", "\n", "\r\n", "\n\n"]))
    return "".join(out).encode("utf-8"), g.ids


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    ids = []
    for i in range(args.count):
        data, doc_ids = document(rng)
        name = f"rand-{i:05d}.xml"
        (args.out / name).write_bytes(data)
        if doc_ids:
            ids.append(f"{name}\t{rng.choice(doc_ids)}\n")
    (args.out / "ids.tsv").write_text("".join(ids))


if __name__ == "__main__":
    main()
