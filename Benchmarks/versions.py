#!/usr/bin/env python3
"""Conda version benchmark: Railyard's CLI against py-rattler, doing the same work in the same run.

Two tasks, on data generated here from a fixed seed so every run measures the same input:

  sort   100,000 realistic version strings: read them from a file, parse, sort in conda order,
         write them out.
  match  1,000,000 SPEC<TAB>VERSION lines: read, parse (remembering specs and versions already
         seen, as both sides do), match, write true/false per line.

Railyard runs as a whole process (`railyard version sort`, `railyard version match --batch`),
start-up and file I/O included. py-rattler runs in this Python process, timed from reading the
file to writing the result; its interpreter start-up and import are not counted, in its favour.
Each side runs --repeat times; the best time counts. The outputs of the two sides are compared
and their disagreements reported (conda and rattler differ on some exotic versions).

Usage: python3 Benchmarks/versions.py [--railyard PATH] [--versions N] [--pairs N] [--repeat N]
Build first: swift build -c release   (the default --railyard is .build/release/railyard)
Needs: pip install py-rattler
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def realistic_version(rnd: random.Random) -> str:
    """A version shaped like the ones on conda-forge and the PyTorch channels."""
    major = rnd.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 10, 12])
    minor = rnd.randint(0, 30)
    patch = rnd.randint(0, 20)
    kind = rnd.random()
    if kind < 0.45:
        return f"{major}.{minor}.{patch}"
    if kind < 0.55:
        return f"{major}.{minor}"
    if kind < 0.60:
        return f"{major}.{minor}.{patch}.{rnd.randint(0, 9)}"
    if kind < 0.70:
        return f"{major}.{minor}.{patch}{rnd.choice(['rc', 'a', 'b'])}{rnd.randint(1, 5)}"
    if kind < 0.75:
        return f"{major}.{minor}.{patch}.dev{rnd.randint(20230101, 20241231)}"
    if kind < 0.78:
        return f"{major}.{minor}.{patch}.post{rnd.randint(0, 3)}"
    if kind < 0.83:
        return f"{major}.{minor}.{patch}+{rnd.choice(['cpu', 'cu118', 'cu121', 'cu124', 'rocm6.2'])}"
    if kind < 0.85:
        return f"1!{major}.{minor}"
    if kind < 0.90:
        return f"{rnd.randint(2015, 2025)}.{rnd.randint(1, 12):02d}.{rnd.randint(1, 28):02d}"
    if kind < 0.93:
        return f"1.1.1{rnd.choice('abcdefghijklmnopqrstuvw')}"
    if kind < 0.96:
        return f"{major}.{minor}.{patch}_{rnd.randint(0, 3)}"
    return f"{major}.{minor}-{rnd.randint(1, 9)}"


def realistic_spec(rnd: random.Random) -> str:
    """A dependency pin of the kinds package metadata carries."""
    a, b, c = rnd.randint(0, 5), rnd.randint(0, 30), rnd.randint(0, 20)
    forms = [
        f">={a}.{b}",
        f">={a}.{b},<{a + 1}.0a0",
        f">={a}.{b}.{c},<{a}.{b + 1}.0a0",
        f"{a}.{b}.*",
        f"{a}.{b}.{c}.*",
        f"=={a}.{b}.{c}",
        f"{a}.{b}.{c}",
        f"!={a}.{b}.{c}",
        f"~={a}.{b}",
        f"<{a}.{b}",
        f">={a}.{b},!={a}.{b}.{c}",
        f">={a}.{b},<{a}.{b + 3}|=={a + 1}.0",
        f">{a}.{b}.{c}rc1",
        "*",
    ]
    return rnd.choice(forms)


def best_of(repeat: int, action) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def run_railyard(binary: str, arguments: list[str], input_path: Path, output_path: Path) -> None:
    with open(input_path, "rb") as stdin, open(output_path, "wb") as stdout:
        result = subprocess.run([binary, *arguments], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    if result.returncode not in (0, 2):
        sys.exit(f"railyard {' '.join(arguments)} failed ({result.returncode}): {result.stderr.decode()[:500]}")


def rattler_sort(input_path: Path, output_path: Path) -> None:
    from rattler import Version

    with open(input_path) as handle:
        lines = handle.read().splitlines()
    versions = sorted((Version(line), index, line) for index, line in enumerate(lines))
    with open(output_path, "w") as handle:
        handle.write("".join(line + "\n" for _, _, line in versions))


def rattler_match(input_path: Path, output_path: Path) -> None:
    from rattler import Version, VersionSpec

    specs: dict = {}
    versions: dict = {}
    out = []
    with open(input_path) as handle:
        for line in handle:
            spec_text, _, version_text = line.rstrip("\n").partition("\t")
            try:
                spec = specs.get(spec_text)
                if spec is None:
                    spec = specs[spec_text] = VersionSpec(spec_text)
                version = versions.get(version_text)
                if version is None:
                    version = versions[version_text] = Version(version_text)
                out.append("true\n" if spec.matches(version) else "false\n")
            except Exception as error:  # noqa: BLE001 - report, as railyard does, and go on
                out.append(f"error: {error}\n")
    with open(output_path, "w") as handle:
        handle.write("".join(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--railyard", default=".build/release/railyard")
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--distinct-specs", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    if not os.access(options.railyard, os.X_OK):
        sys.exit(f"{options.railyard} is not an executable; run `swift build -c release` first")
    try:
        import rattler  # noqa: F401
    except ImportError:
        sys.exit("py-rattler is missing: pip install py-rattler")

    rnd = random.Random(options.seed)
    versions = [realistic_version(rnd) for _ in range(options.versions)]
    specs = [realistic_spec(rnd) for _ in range(options.distinct_specs)]
    pairs = [f"{rnd.choice(specs)}\t{rnd.choice(versions)}\n" for _ in range(options.pairs)]

    with tempfile.TemporaryDirectory(prefix="railyard-bench-") as scratch:
        directory = Path(scratch)
        sort_input = directory / "versions.txt"
        sort_input.write_text("".join(v + "\n" for v in versions))
        match_input = directory / "pairs.tsv"
        match_input.write_text("".join(pairs))
        ours_sorted, theirs_sorted = directory / "ours-sorted", directory / "theirs-sorted"
        ours_matched, theirs_matched = directory / "ours-matched", directory / "theirs-matched"

        sort_ours = best_of(options.repeat, lambda: run_railyard(options.railyard, ["version", "sort"], sort_input, ours_sorted))
        sort_theirs = best_of(options.repeat, lambda: rattler_sort(sort_input, theirs_sorted))
        match_ours = best_of(
            options.repeat,
            lambda: run_railyard(options.railyard, ["version", "match", "--batch"], match_input, ours_matched),
        )
        match_theirs = best_of(options.repeat, lambda: rattler_match(match_input, theirs_matched))

        sort_disagreements = sum(
            1 for a, b in zip(ours_sorted.read_text().splitlines(), theirs_sorted.read_text().splitlines()) if a != b
        )
        ours_lines = ours_matched.read_text().splitlines()
        theirs_lines = theirs_matched.read_text().splitlines()
        match_disagreements = sum(1 for a, b in zip(ours_lines, theirs_lines) if a != b)

    import rattler as rattler_module

    print(f"railyard: {options.railyard}; py-rattler {getattr(rattler_module, '__version__', '?')}; "
          f"python {sys.version.split()[0]}; best of {options.repeat}; seed {options.seed}")
    print(f"{'task':<44} {'railyard':>10} {'py-rattler':>11} {'ratio':>7}")
    rows = [
        (f"sort {options.versions:,} versions", sort_ours, sort_theirs),
        (f"match {options.pairs:,} spec x version pairs", match_ours, match_theirs),
    ]
    floors_met = True
    for name, ours, theirs in rows:
        ratio = theirs / ours
        floors_met &= ratio >= 1.0
        print(f"{name:<44} {ours:>9.3f}s {theirs:>10.3f}s {ratio:>6.2f}x")
    print(f"positions where the sorted outputs differ: {sort_disagreements:,} of {options.versions:,}")
    print(f"match lines where the answers differ: {match_disagreements:,} of {options.pairs:,}")
    print("floor (at least as fast as py-rattler end to end):", "met" if floors_met else "NOT met")
    sys.exit(0 if floors_met else 1)


if __name__ == "__main__":
    main()
