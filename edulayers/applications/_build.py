"""How ``data/imagenet_class_index.json`` was made (run once by a maintainer, never at run time).

    pip download --no-deps -d /tmp/timm timm              # the wheel only (timm 1.0.31 was used)
    python -m edulayers.applications._build /tmp/timm/timm-1.0.31-py3-none-any.whl \\
        [/usr/share/wordnet/data.noun]

Source: the wheel of timm (PyTorch Image Models, Apache-2.0) ships the 1000 ImageNet-1k class
ids in the standard order (sorted WordNet ids, the order of Keras' class index) in
``timm/data/_info/imagenet_synsets.txt``, and the WordNet lemmas of every synset in
``timm/data/_info/imagenet_synset_to_lemma.txt`` (``n01440764<TAB>tench, Tinca tinca``). Keras'
short name of a class is its *first* lemma with spaces written as underscores (``great white
shark, white shark, ...`` -> ``great_white_shark``), so::

    {"0": ["n01440764", "tench"], "1": ["n01443537", "goldfish"], ...}

written with ``json.dumps`` (Keras' file is one line in that form) has exactly the bytes of the
file that Keras downloads: its MD5 is the ``file_hash`` Keras checks,
``c2c37ea517e94d9795004a39431a14cb`` (``imagenet_utils.KERAS_CLASS_INDEX_MD5``); the script
checks it. With a second argument it also checks every name against WordNet 3.0 itself
(``data.noun`` of Debian's ``wordnet-base`` package: the first word of the synset whose offset
is the id's digits).
"""
from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path

from .imagenet_utils import CLASS_INDEX_PATH, KERAS_CLASS_INDEX_MD5

SYNSETS = "timm/data/_info/imagenet_synsets.txt"
LEMMAS = "timm/data/_info/imagenet_synset_to_lemma.txt"


def class_index_from_timm(wheel) -> dict:
    with zipfile.ZipFile(wheel) as z:
        synsets = z.read(SYNSETS).decode("utf8").split()
        lemmas = dict(line.split("\t", 1) for line in z.read(LEMMAS).decode("utf8").splitlines()
                      if line.strip())
    if len(synsets) != 1000:
        raise ValueError(f"{SYNSETS} lists {len(synsets)} classes, expected 1000")
    return {str(i): [wnid, lemmas[wnid].split(", ")[0].replace(" ", "_")]
            for i, wnid in enumerate(synsets)}


def check_against_wordnet(index: dict, data_noun) -> None:
    first_word = {}
    with open(data_noun, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):              # the license header lines start with spaces
                fields = line.split(" ")
                first_word[fields[0]] = fields[4]
    wrong = [(i, name, first_word.get(wnid[1:])) for i, (wnid, name) in index.items()
             if first_word.get(wnid[1:]) != name]
    if wrong:
        raise ValueError(f"names that differ from WordNet 3.0: {wrong[:10]}")


def main(argv) -> None:
    index = class_index_from_timm(argv[0])
    if len(argv) > 1:
        check_against_wordnet(index, argv[1])
    text = json.dumps(index)
    digest = hashlib.md5(text.encode("utf8")).hexdigest()
    if digest != KERAS_CLASS_INDEX_MD5:
        raise ValueError(f"MD5 {digest} differs from Keras' {KERAS_CLASS_INDEX_MD5}")
    Path(CLASS_INDEX_PATH).write_text(text, encoding="utf8")
    print(f"wrote {CLASS_INDEX_PATH} ({len(text)} bytes, MD5 {digest})")


if __name__ == "__main__":
    main(sys.argv[1:])
