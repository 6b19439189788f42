#!/usr/bin/env python3
"""Planning at conda-forge scale: time `railyard plan` on a generated catalog.

The catalog has --packages packages (default 25,000) and about --edges dependency edges
(default 250,000) among them, with conda-forge's shape: a few hub packages with thousands of
dependents (preferential attachment), most packages with a handful, and the core (pytorch) with
thousands of direct and many more indirect dependents, ABI-coupled packages and companions among
them. Dependencies only point at earlier packages, so the catalog has no cycle; every spec admits
the current version of what it names (the catalog lints clean) and some exclude the new core.

The command runs --repeat times; the best wall time and the peak resident memory are reported,
with the floors of the issue (under 1 s, under 500 MB).

Usage: python3 Benchmarks/catalog_scale.py [--railyard PATH] [--packages N] [--edges N]
Build first: swift build -c release   (the default --railyard is .build/release/railyard)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(packages: int, edges: int, seed: int) -> str:
    rnd = random.Random(seed)
    names = ["pytorch"] + [f"pkg-{index:05d}" for index in range(1, packages)]
    versions = ["2.5.1"] + [f"{rnd.randint(0, 5)}.{rnd.randint(0, 30)}.{rnd.randint(0, 9)}" for _ in range(1, packages)]
    # Preferential attachment: each edge picks a target in proportion to its current in-degree + 1.
    weights_pool: list[int] = [0] * 400  # the core starts with a head start: thousands of dependents
    per_package = max(1, edges // packages)
    lines = [
        "distribution: synthetic",
        "channel: synthetic",
        "core: pytorch",
        "release_managers: [rm]",
        "contacts:",
        "  rm: {email: rm@example.org}",
        "  team: {email: team@example.org}",
        "packages:",
        "  pytorch:",
        "    version: 2.5.1",
        "    maintainers: [rm]",
    ]
    total_edges = 0
    for index in range(1, packages):
        count = min(index, max(1, int(rnd.expovariate(1 / per_package))))
        targets: set[int] = set()
        while len(targets) < count:
            if weights_pool and rnd.random() < 0.7:
                target = rnd.choice(weights_pool)
            else:
                target = rnd.randrange(index)
            if target < index:
                targets.add(target)
        depends = []
        for target in sorted(targets):
            weights_pool.append(target)
            version = versions[target]
            major, minor, _ = (int(part) for part in version.split("."))
            if target == 0:
                upper = rnd.choice(["2.6", "3", "2.7", "3"])
                depends.append(f'"pytorch >=2.{rnd.randint(0, 5)},<{upper}"')
            else:
                depends.append(f'"{names[target]} >={major}.{minor},<{major + 1}"')
        total_edges += len(depends)
        abi = index % 37 == 0 and 0 in targets
        companion = index in (1, 2, 3)
        lines.append(f"  {names[index]}:")
        lines.append(f"    version: {versions[index]}")
        if companion:
            lines.append("    companion: true")
            depends = ['"pytorch 2.5.1.*"'] + [d for d in depends if not d.startswith('"pytorch ')]
        if abi:
            lines.append("    abi: true")
        lines.append(f"    depends: [{', '.join(depends)}]")
        lines.append("    maintainers: [team]")
    sys.stderr.write(f"generated {packages:,} packages, {total_edges:,} dependency edges\n")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--railyard", default=".build/release/railyard")
    parser.add_argument("--packages", type=int, default=25_000)
    parser.add_argument("--edges", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", help="also write the catalog to this path")
    options = parser.parse_args()
    if not os.access(options.railyard, os.X_OK):
        sys.exit(f"{options.railyard} is not an executable; run `swift build -c release` first")

    text = generate(options.packages, options.edges, options.seed)
    if options.keep:
        Path(options.keep).write_text(text)
    with tempfile.TemporaryDirectory(prefix="railyard-scale-") as scratch:
        catalog = Path(scratch) / "distro.yml"
        catalog.write_text(text)
        command = [options.railyard, "plan", "--catalog", str(catalog), "--core-version", "2.6.0", "--json"]
        best = float("inf")
        output = b""
        for _ in range(options.repeat):
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True)
            best = min(best, time.perf_counter() - start)
            if result.returncode not in (0, 2):
                sys.exit(f"plan failed ({result.returncode}): {result.stderr.decode()[:1000]}")
            output = result.stdout
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    import json

    plan = json.loads(output)
    reasons: dict[str, int] = {}
    for member in plan["members"]:
        reasons[member["reason"]] = reasons.get(member["reason"], 0) + 1
    waves = max((member["wave"] for member in plan["members"]), default=0)
    print(f"catalog: {options.packages:,} packages, {len(text) / 1e6:.1f} MB of YAML; seed {options.seed}")
    print(f"plan: {len(plan['members']):,} members {reasons}, {waves} waves")
    print(f"best of {options.repeat}: {best:.3f} s wall; peak resident memory {peak_kib / 1024:.0f} MB")
    met = best < 1.0 and peak_kib / 1024 < 500
    print("floor (under 1 s and under 500 MB):", "met" if met else "NOT met")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
