#!/usr/bin/env python3
"""Promotion at scale, against py-rattler's channel indexer, in the same run.

    pip install py-rattler && swift build -c release && python3 Benchmarks/channel_scale.py

Builds (once, cached in .build/channel-bench-data) a channel of real .tar.bz2 packages: 1,000
packages x 10 old versions x 5 subdirs = 50,000 records on main, and 5,000 new builds (each
package's 2.0.0 in every subdir, plus the core's RC). Then, in a fresh copy:
  - railyard-channel-bench adopts it (channel index), drives a train of 1,000 members to
    staged, stages the 5,000 builds, and times the dry run, the promotion and channel verify;
  - rattler.index.index_fs re-indexes the same 55,000 files (a plain copy of the promoted
    main) — what a promotion would cost if it rebuilt repodata from the files.
Floors (issue 5): promotion under 2 s, and at least 10x faster than re-indexing.
"""
import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from multiprocessing import Pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, ".build", "channel-bench-data")
SUBDIRS = ["linux-64", "linux-aarch64", "osx-arm64", "win-64", "noarch"]
PLATFORMS = [s for s in SUBDIRS if s != "noarch"]
PACKAGES = 1000
OLD_VERSIONS = 10


def package_bytes(name, version, build, subdir, depends):
    index = {"name": name, "version": version, "build": build, "build_number": 0, "depends": depends,
             "subdir": subdir, "license": "BSD-3-Clause", "timestamp": 1_700_000_000_000}
    if subdir == "noarch":
        index["noarch"] = "python"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as tar:
        for path, data in [("info/index.json", json.dumps(index).encode()),
                           (f"lib/{name}.py", f"# {name} {version}\n".encode())]:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write(job):
    folder, name, version, build, subdir, depends = job
    with open(os.path.join(folder, f"{name}-{version}-{build}.tar.bz2"), "wb") as out:
        out.write(package_bytes(name, version, build, subdir, depends))


def generate():
    if os.path.exists(os.path.join(DATA, "done")):
        return
    shutil.rmtree(DATA, ignore_errors=True)
    jobs = []
    for subdir in SUBDIRS:
        main = os.path.join(DATA, "channel", subdir)
        new = os.path.join(DATA, "new", subdir)
        os.makedirs(main)
        os.makedirs(new)
        for index in range(PACKAGES):
            for old in range(OLD_VERSIONS):
                jobs.append((main, f"pkg{index}", f"1.0.{old}", "0", subdir, ["pytorch >=2,<2.6"]))
            jobs.append((new, f"pkg{index}", "2.0.0", "0", subdir, ["pytorch >=2.6,<2.7"]))
        if subdir != "noarch":
            jobs.append((main, "pytorch", "2.5.1", "0", subdir, []))
            jobs.append((new, "pytorch", "2.6.0", "0", subdir, []))
    with Pool(2) as pool:
        pool.map(write, jobs, chunksize=500)
    catalog = ["distribution: pytorch", "channel: pytorch", "core: pytorch",
               f"subdirs: [{', '.join(SUBDIRS)}]", "release_managers: [alice]",
               "contacts:", "  alice: {email: alice@example.org}", "  team: {email: team@example.org}",
               "packages:", "  pytorch: {version: 2.5.1, maintainers: [alice]}"]
    for index in range(PACKAGES):
        catalog.append(f'  pkg{index}: {{version: 1.0.9, depends: ["pytorch >=2,<2.6"], maintainers: [team]}}')
    with open(os.path.join(DATA, "distro.yml"), "w") as out:
        out.write("\n".join(catalog) + "\n")
    open(os.path.join(DATA, "done"), "w").close()


def main():
    import rattler.index
    bench = os.path.join(ROOT, ".build", "release", "railyard-channel-bench")
    if not os.path.exists(bench):
        sys.exit("build first: swift build -c release")
    started = time.time()
    generate()
    print(f"data: {time.time() - started:.1f} s (cached in {DATA})", file=sys.stderr)
    work = os.path.join(ROOT, ".build", "channel-bench-run")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", DATA, work], check=True)
    output = subprocess.run([bench, work], check=True, stdout=subprocess.PIPE).stdout
    railyard = json.loads(output)

    # rattler re-indexes a plain copy of the promoted main: the same 55,000 files.
    plain = os.path.join(ROOT, ".build", "channel-bench-rattler")
    shutil.rmtree(plain, ignore_errors=True)
    for subdir in SUBDIRS:
        source = os.path.join(work, "channel", subdir)
        target = os.path.join(plain, subdir)
        os.makedirs(target)
        for name in os.listdir(source):
            if name != "repodata.json":
                os.link(os.path.join(source, name), os.path.join(target, name))
    started = time.time()
    asyncio.run(rattler.index.index_fs(plain, write_zst=False, write_shards=False))
    rattler_seconds = time.time() - started
    with open(os.path.join(plain, "linux-64", "repodata.json")) as f:
        rattler_linux = len(json.load(f).get("packages", {}))

    promote = railyard["promote_seconds"]
    print(json.dumps({**railyard, "rattler_index_seconds": rattler_seconds,
                      "rattler_linux64_records": rattler_linux}, indent=2, sort_keys=True))
    print(f"promotion of {railyard['gained']} files into main of {railyard['main_records_before']} records: "
          f"{promote:.2f} s (floor 2 s); channel verify {railyard['verify_seconds']:.2f} s; "
          f"rattler index_fs of the same {railyard['main_records_after']} files: {rattler_seconds:.2f} s "
          f"= {rattler_seconds / promote:.1f}x the promotion (floor 10x)")
    if promote >= 2 or rattler_seconds < 10 * promote:
        sys.exit("a floor is not met")


if __name__ == "__main__":
    main()
