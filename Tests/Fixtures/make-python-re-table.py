#!/usr/bin/env python3
"""Writes python-re-matches.jsonl: what Python's `re.match` answers for spec-style regular
expressions, the reference RegexPattern is table-tested against.

Each line is {"pattern", "text", "python"} with python one of "match", "no-match", "error"
(Python refuses the pattern) or "unsupported" (Python compiles it, but it uses a construct
Railyard's matcher refuses: backreference, lookaround, word boundary, possessive repeat,
atomic group, conditional). Rows: hand-picked conda-style and catastrophic patterns, then
random patterns over a small alphabet of pieces (seeded, so the file is reproducible).

    python3 Tests/Fixtures/make-python-re-table.py > Tests/Fixtures/python-re-matches.jsonl
"""

import json
import random
import re
import sys
import warnings

try:
    from re import _constants as C
    from re import _parser as P
except ImportError:  # Python < 3.11
    import sre_constants as C
    import sre_parse as P

warnings.simplefilter("ignore")

UNSUPPORTED = {
    name
    for name in ("GROUPREF", "GROUPREF_EXISTS", "ASSERT", "ASSERT_NOT", "POSSESSIVE_REPEAT", "ATOMIC_GROUP")
    if hasattr(C, name)
}
BOUNDARIES = {"AT_BOUNDARY", "AT_NON_BOUNDARY"}


def uses_unsupported(tree):
    for op, arg in tree:
        if str(op) in UNSUPPORTED:
            return True
        if str(op) == "AT" and str(arg) in BOUNDARIES:
            return True
        if str(op) == "IN":
            continue
        items = arg if isinstance(arg, (list, tuple)) else [arg]
        for item in items:
            if isinstance(item, P.SubPattern) and uses_unsupported(item):
                return True
            if isinstance(item, (list, tuple)):
                for inner in item:
                    if isinstance(inner, P.SubPattern) and uses_unsupported(inner):
                        return True
    return False


def answer(pattern, text):
    try:
        compiled = re.compile(pattern)
        tree = P.parse(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return "error"
    if uses_unsupported(tree):
        return "unsupported"
    return "match" if compiled.match(text) else "no-match"


HAND = [
    # conda-style version and build expressions
    (r"^1\.7\..*$", ["1.7.1", "1.7", "1.70.1", "1.7.1\n", "1.7.\n\n"]),
    (r"^1\.[5-7]\.\d+$", ["1.5.0", "1.8.0", "1.6.12", "1.6.x", "1.6.1\n"]),
    (r"^py3\d_.*$", ["py39_0", "py3_0", "py310_cuda", "PY39_0"]),
    (r"^(py|cuda)\d+_\d$", ["py39_0", "cuda12_1", "cpu_0", "py39_10"]),
    (r"^.*_cp31[12]$", ["py_cp311", "py_cp313", "_cp312", "cp312"]),
    (r"^[^_]+_\d+$", ["abc_1", "a_b_1", "_1", "abc_"]),
    (r"^2\.(5|6)(\.\d+)?$", ["2.5", "2.6.1", "2.7", "2.5.", "2.55"]),
    (r"^(?:0|[1-9]\d*)\.\d{1,3}$", ["0.1", "10.123", "01.1", "1.1234", "1."]),
    (r"^(?P<major>\d+)\.x$", ["3.x", "x.x", "33.x"]),
    (r"^\d{2,}\.\d{,2}$", ["10.", "1.1", "10.123", "123.12"]),
    (r"^a{,}b$", ["b", "aaab", "ac"]),
    (r"^a{}$", ["a{}", "a", ""]),
    (r"^x{1,2$", ["x{1,2", "x"]),
    (r"^[]a]+$", ["]a]", "b", "]"]),
    (r"^[a-]$", ["a", "-", "b"]),
    (r"^[-a]$", ["-", "a", "b"]),
    (r"^[\d.]+$", ["1.2.3", "1,2"]),
    (r"^[^\W\d]+$", ["abc", "ab1", "_", ""]),
    (r"^\s*1$", ["  1", "\t1", "1 "]),
    (r"^\x41\u0042\U00000043\101$", ["ABCA", "ABC"]),
    (r"^\0\01$", ["\x00\x01", "0"]),
    (r"^a\Z", ["a", "a\n"]),
    (r"^a$", ["a", "a\n", "a\n\n"]),
    (r"\Aa", ["a", "ba"]),
    # Catastrophic for a backtracking engine: texts short enough for Python to finish; the
    # Swift tests time far longer ones.
    (r"^1.(a+)+$", ["1.aaaa", "1.aaaaaaaaaaaaaaaaab", "1.a"]),
    (r"^(.*.*.*.*.*.*)*X$", ["aaaaaaa", "abcX", "X"]),
    (r"^(a|a)*b$", ["a" * 14, "a" * 14 + "b"]),
    (r"^(a*)*$", ["a" * 14 + "!", "aaaa"]),
    (r"^((a+)+)+$", ["a" * 14 + "b"]),
    (r"^(\w+\s?)*$", ["a few words, then!"]),
    (r"^a*?b+?c??$", ["aabbc", "bc", "b", "c"]),
    (r"^(^a)$", ["a"]),
    (r"^(?:)*a$", ["a", ""]),
    (r"^(a)(b)?$", ["a", "ab", "b"]),
    (r"^é+$", ["éé", "e"]),
    (r"^\w+$", ["ünïcode", "日本", "٣"]),
    (r"^\d+$", ["٣", "12", "²"]),
    (r"^.$", ["\n", "x", "日"]),
    # Python refuses these
    (r"^*a$", ["a"]),
    (r"^a**$", ["a"]),
    (r"^a{3,1}$", ["aa"]),
    (r"^[a-\d]$", ["a"]),
    (r"^(a$", ["a"]),
    (r"^a)$", ["a"]),
    (r"^[a$", ["a"]),
    (r"^\q$", ["q"]),
    (r"^\8$", ["8"]),
    (r"^\400$", ["x"]),
    (r"^[z-a]$", ["a"]),
    (r"^(?<x>a)$", ["a"]),
    (r"^a(?i)$", ["a"]),
    (r"^$*$", [""]),
    # Python compiles these; Railyard refuses them
    (r"^(a)\1$", ["aa"]),
    (r"^(?=a)a$", ["a"]),
    (r"^(?!b)a$", ["a"]),
    (r"^(?<=a)b$", ["ab"]),
    (r"^\bab$", ["ab"]),
    (r"^a*+$", ["aa"]),
    (r"^(?>a+)$", ["aa"]),
    (r"^(?P<x>a)(?P=x)$", ["aa"]),
    (r"^(a)?(?(1)b|c)$", ["ab"]),
]

PIECES = [
    "a", "b", "1", "2", ".", "_", "-", "x", "*", "+", "?", "*?", "|", "(", ")", "(?:", "(?P<g>", "[", "]", "[^",
    "^", "$", "{", "}", ",", "{2}", "{1,3}", "{,2}", "{2,}", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\.",
    "\\-", "\\\\", "\\n", "\\x61", "\\0", "\\Z", "\\A", "a-z", "0-9", "\n", " ",
]
TEXT = "ab1._-x\n 2A"


def main():
    rows = []
    for pattern, texts in HAND:
        for text in texts:
            rows.append((pattern, text))
    generator = random.Random(20261203)
    for _ in range(2500):
        pattern = "".join(generator.choice(PIECES) for _ in range(generator.randint(1, 8)))
        for _ in range(3):
            text = "".join(generator.choice(TEXT) for _ in range(generator.randint(0, 8)))
            rows.append((pattern, text))
    seen = set()
    for pattern, text in rows:
        if (pattern, text) in seen:
            continue
        seen.add((pattern, text))
        row = {"pattern": pattern, "text": text, "python": answer(pattern, text)}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
