#!/usr/bin/env python3
"""Writes a channel of repodata only (no package files): one stub record for each spec, on a
package outside the release, that the records of pytorch-2.1.0-records.json depend on
(python 3.8-3.11, numpy, the CUDA libraries pytorch-cuda needs, ...). A solver then has what
the release's records need besides themselves, as a user's other channels would give it.

    stub-externals.py RECORDS.json OUT_DIR

Each stub's version is the spec's lower bound (`>=12.1` -> 12.1, `3.11.*` -> 3.11, an exact
`2.0` -> 2.0, none -> 1.0); a spec's build (`blas * mkl`) becomes the stub's build.
"""
import json
import os
import re
import sys

RELEASE = {"pytorch", "torchvision", "torchaudio", "torchtriton", "pytorch-cuda", "pytorch-mutex", "cpuonly"}


def lower_bound(version):
    if version in (None, "*"):
        return "1.0"
    found = re.search(r">=\s*([0-9][0-9.]*)", version)
    if found:
        return found.group(1).rstrip(".")
    found = re.match(r"^=?([0-9][0-9.]*?)\.?\*$", version)
    if found:
        return found.group(1)
    if re.match(r"^[0-9][0-9.]*$", version):
        return version
    return "1.0"


def main():
    records = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    stubs = {}
    for subdir in ("linux-64", "noarch"):
        for record in records.get(subdir, {}).values():
            for spec in record.get("depends", []):
                parts = spec.split()
                name = parts[0]
                if name in RELEASE:
                    continue
                version = lower_bound(parts[1] if len(parts) > 1 else None)
                build = parts[2] if len(parts) > 2 else "0"
                file = f"{name}-{version}-{build}.tar.bz2"
                stubs[file] = {
                    "name": name, "version": version, "build": build, "build_number": 0, "depends": [],
                    "subdir": "linux-64", "md5": "0" * 32, "sha256": "0" * 64, "size": 0,
                }
    for subdir, packages in (("linux-64", stubs), ("noarch", {})):
        os.makedirs(os.path.join(out, subdir), exist_ok=True)
        with open(os.path.join(out, subdir, "repodata.json"), "w") as handle:
            json.dump({"info": {"subdir": subdir}, "packages": packages, "packages.conda": {},
                       "repodata_version": 1}, handle, indent=1, sort_keys=True)
    print(len(stubs))


main()
