#!/usr/bin/env python3
"""Differential c14n run: `fedgate xml c14n` against libxml2 peers, byte for byte.

    interop_c14n_diff.py --fedgate BIN --random-dir DIR --cases crates/xmldsig/tests/data/c14n --fail-dir DIR

Comparisons (each one counted as passed or failed):
  with-comments  fedgate xml c14n --with-comments F   vs  xmllint --exc-c14n F  (xmllint keeps comments)
  no-comments    fedgate xml c14n F                   vs  lxml exclusive c14n, with_comments=False
  subtree        fedgate xml c14n --id ID F           vs  lxml exclusive c14n of the element with that ID
  prefix-list    fedgate xml c14n --inclusive-namespaces "p q" [--id ID] F  vs  lxml inclusive_ns_prefixes
  xmlsec1        fedgate xml c14n --inclusive-namespaces "#default …" [--id ID] [--with-comments] F
                 vs  the pre-digest buffer of an xmlsec1 Reference over the same node-set
  committed      fedgate xml c14n [options] case.xml  vs  case.c14n, for every case in cases.toml
Failing inputs are copied to --fail-dir with the two outputs beside them.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lxml import etree


PREFIXES = ["a", "b", "p", "q", "saml", "ns1", "xml", "zz"]


def lxml_c14n(path: Path, with_comments=False, id_=None, inclusive=None):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(io.BytesIO(path.read_bytes()), parser)
    target = tree if id_ is None else tree.xpath("//*[@ID=$v]", v=id_)[0]
    return etree.tostring(target, method="c14n", exclusive=True, with_comments=with_comments,
                          inclusive_ns_prefixes=inclusive.split() if inclusive else None)


def prefix_list(index):
    """A deterministic PrefixList of one to three prefixes for the index-th document."""
    n = 1 + index % 3
    return " ".join(PREFIXES[(index * 7 + k * 3) % len(PREFIXES)] for k in range(n))


def fedgate(bin_, path: Path, *opts):
    r = subprocess.run([bin_, "xml", "c14n", *opts, str(path)], capture_output=True)
    if r.returncode != 0:
        return b"<<exit %d: %s>>" % (r.returncode, r.stderr.strip()[:300])
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fedgate", required=True)
    ap.add_argument("--random-dir", type=Path, required=True)
    ap.add_argument("--cases", type=Path, required=True)
    ap.add_argument("--fail-dir", type=Path, required=True)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--xmlsec1-count", type=int, default=0,
                    help="also compare this many documents with xmlsec1's c14n (PrefixList with #default)")
    args = ap.parse_args()

    ids = {}
    ids_file = args.random_dir / "ids.tsv"
    if ids_file.exists():
        for line in ids_file.read_text().splitlines():
            name, id_ = line.split("\t")
            ids[name] = id_

    jobs = []  # (kind, label, input path, expected thunk, actual thunk)
    for index, f in enumerate(sorted(args.random_dir.glob("*.xml"))):
        jobs.append(("with-comments", f.name, f,
                     lambda f=f: subprocess.run(["xmllint", "--exc-c14n", str(f)], capture_output=True,
                                                check=True).stdout,
                     lambda f=f: fedgate(args.fedgate, f, "--with-comments")))
        jobs.append(("no-comments", f.name, f, lambda f=f: lxml_c14n(f),
                     lambda f=f: fedgate(args.fedgate, f)))
        if f.name in ids:
            id_ = ids[f.name]
            jobs.append(("subtree", f"{f.name} --id {id_}", f, lambda f=f, i=id_: lxml_c14n(f, id_=i),
                         lambda f=f, i=id_: fedgate(args.fedgate, f, "--id", i)))
        # InclusiveNamespaces PrefixList: on the subtree when the document has an ID, else whole
        plist = prefix_list(index)
        sub = ids.get(f.name)
        opts = ("--inclusive-namespaces", plist) + (("--id", sub) if sub else ())
        jobs.append(("prefix-list", f"{f.name} {' '.join(opts)}", f,
                     lambda f=f, i=sub, p=plist: lxml_c14n(f, id_=i, inclusive=p),
                     lambda f=f, o=opts: fedgate(args.fedgate, f, *o)))
    # xmlsec1's node-set c14n (the pre-digest buffer of a Reference), also for "#default", which
    # lxml cannot pass on: the first --xmlsec1-count documents, subtree when they have an ID
    if args.xmlsec1_count:
        import xmldsig_vectors as vectors
        tmp_root = args.fail_dir.parent / "xmlsec1-c14n"
        tmp_root.mkdir(parents=True, exist_ok=True)
        for index, f in enumerate(sorted(args.random_dir.glob("*.xml"))[: args.xmlsec1_count]):
            sub = ids.get(f.name)
            plist = "#default " + prefix_list(index) if index % 2 == 0 else "#default"
            wc = index % 3 == 0
            opts = ("--inclusive-namespaces", plist) + (("--id", sub) if sub else ()) + (
                ("--with-comments",) if wc else ())
            work = tmp_root / f"{index:05d}"
            work.mkdir(exist_ok=True)
            jobs.append(("xmlsec1", f"{f.name} {' '.join(opts)}", f,
                         lambda f=f, i=sub, p=plist, w=work, c=wc: vectors.xmlsec1_c14n(f.read_bytes(), c, p, i, w),
                         lambda f=f, o=opts: fedgate(args.fedgate, f, *o)))
    manifest = tomllib.loads((args.cases / "cases.toml").read_text())
    for name, case in manifest.items():
        opts = []
        if case.get("with_comments"):
            opts.append("--with-comments")
        if case.get("inclusive_namespaces") is not None:
            opts += ["--inclusive-namespaces", case["inclusive_namespaces"]]
        if case.get("id") is not None:
            opts += ["--id", case["id"]]
        f = args.cases / f"{name}.xml"
        jobs.append(("committed", f"{name} {' '.join(opts)}".strip(), f,
                     lambda n=name: (args.cases / f"{n}.c14n").read_bytes(),
                     lambda f=f, o=tuple(opts): fedgate(args.fedgate, f, *o)))

    def run(job):
        kind, label, path, expected, actual = job
        try:
            e = expected()
        except Exception as err:  # a peer refusing its own input is a broken generator, report it
            e = f"<<peer failed: {err}>>".encode()
        a = actual()
        return kind, label, path, e, a

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(run, jobs))

    counts = {}
    failures = []
    for kind, label, path, e, a in results:
        ok = e == a
        p, f = counts.get(kind, (0, 0))
        counts[kind] = (p + ok, f + (not ok))
        if not ok:
            failures.append((kind, label, path, e, a))
    if failures:
        args.fail_dir.mkdir(parents=True, exist_ok=True)
        for i, (kind, label, path, e, a) in enumerate(failures):
            stem = f"{i:04d}-{kind}-{path.stem}"
            shutil.copy(path, args.fail_dir / f"{stem}.xml")
            (args.fail_dir / f"{stem}.expected").write_bytes(e)
            (args.fail_dir / f"{stem}.fedgate").write_bytes(a)
        for kind, label, path, e, a in failures[: args.show]:
            print(f"MISMATCH [{kind}] {label}")
            print(f"  input:    {path.read_bytes()[:400]!r}")
            print(f"  expected: {e[:400]!r}")
            print(f"  fedgate:  {a[:400]!r}")
        with_cr = sum(1 for _, _, path, _, _ in failures if b"\r" in path.read_bytes())
        print(f"{with_cr} of the {len(failures)} failing comparisons have a literal CR in their input")
        print(f"failing inputs and outputs kept in {args.fail_dir}")
    for kind, (p, f) in counts.items():
        print(f"  c14n {kind:14} {p} passed, {f} failed")
    total_p = sum(p for p, _ in counts.values())
    total_f = sum(f for _, f in counts.values())
    print(f"c14n differential: {total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main())
