#!/usr/bin/env python3
"""The solver's check at the scale of a real release: a train of 30 members (torchvision and
torchaudio in every cell, 28 downstream noarch packages) over 12 cells (python 3.9-3.12 x CPU,
CUDA 11.8, CUDA 12.1), with the solves the promotion asks for, timed, with the solver's memory.

    pip install py-rattler && swift build -c release && python3 Benchmarks/solver_scale.py

Builds the packages (real .tar.bz2 files, cached in .build/solve-bench-data), then:
  - railyard-solve-bench drives the train to staged through the store and times the dry run,
    which runs every solve through Railyard's helper (docs/solver.md): per cell, the core with its
    companions, with each downstream member on its own, and with everyone at once;
  - the reference: py-rattler's `solve` alone, in one process, on the very same requests (the
    future main as the helper saw it, and the same channels and virtual packages), in the same run.
    The difference is what Railyard adds: writing the future main, starting the helper, judging.
"""
import asyncio
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, ".build", "solve-bench-data")
PYTHONS = ["3.9", "3.10", "3.11", "3.12"]
FLAVOURS = ["cpu", "11.8", "12.1"]
DOWNSTREAM = 28


def package(folder, name, version, build, subdir, depends, extra=None):
    index = {"name": name, "version": version, "build": build, "build_number": 0, "depends": depends,
             "subdir": subdir, "license": "BSD-3-Clause", "timestamp": 1_700_000_000_000, **(extra or {})}
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(os.path.join(folder, f"{name}-{version}-{build}.tar.bz2"), mode="w:bz2") as tar:
        for path, data in [("info/index.json", json.dumps(index).encode()),
                           (f"info/about.json", b"{}")]:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))


def pins(python, flavour):
    minor = int(python.split(".")[1])
    depends = [f"python >={python},<3.{minor + 1}.0a0"]
    if flavour == "cpu":
        depends.append("pytorch-mutex 1.0 cpu")
    else:
        major, sub = flavour.split(".")
        depends += ["pytorch-mutex 1.0 cuda", f"pytorch-cuda >={flavour},<{major}.{int(sub) + 1}"]
    return depends


def generate():
    if os.path.exists(os.path.join(DATA, "done")):
        return
    shutil.rmtree(DATA, ignore_errors=True)
    main, new = os.path.join(DATA, "channel"), os.path.join(DATA, "new")
    package(f"{main}/noarch", "pytorch-mutex", "1.0", "cpu", "noarch", [], {"noarch": "generic", "track_features": "pytorch-mutex"})
    package(f"{main}/noarch", "pytorch-mutex", "1.0", "cuda", "noarch", [], {"noarch": "generic"})
    for cuda in ["11.8", "12.1"]:
        package(f"{main}/linux-64", "pytorch-cuda", cuda, "h7e8668a_5", "linux-64", [f"cuda-runtime >={cuda},<{cuda}.99"])
    for python in PYTHONS:
        package(f"{main}/linux-64", "pytorch", "2.5.1", f"py{python}_cpu_0", "linux-64", pins(python, "cpu"))
    for python in PYTHONS:
        tag = python.replace(".", "")
        for flavour in FLAVOURS:
            suffix = "cpu" if flavour == "cpu" else "cu" + flavour.replace(".", "")
            core = "cpu" if flavour == "cpu" else f"cuda{flavour}_cudnn9_0"
            package(f"{new}/linux-64", "pytorch", "2.6.0", f"py{python}_{core}" if flavour != "cpu" else f"py{python}_cpu_0",
                    "linux-64", pins(python, flavour) + ["numpy >=1.23"])
            for companion, version in [("torchvision", "0.21.0"), ("torchaudio", "2.6.0")]:
                package(f"{new}/linux-64", companion, version, f"py{tag}_{suffix}", "linux-64",
                        pins(python, flavour) + ["pytorch 2.6.0"])
    for index in range(DOWNSTREAM):
        package(f"{main}/noarch", f"pkg{index}", "1.0.0", "pyhd_0", "noarch", ["python >=3.9", "pytorch >=2,<2.6"],
                {"noarch": "python"})
        package(f"{new}/noarch", f"pkg{index}", "2.0.0", "pyhd_0", "noarch",
                ["python >=3.9", "pytorch >=2.6,<2.7", "numpy"], {"noarch": "python"})
    # What users' other channels give: python, numpy, the CUDA runtime, as repodata alone.
    externals = os.path.join(DATA, "externals")
    stubs = {"linux-64": {}, "noarch": {}}
    def stub(name, version, build="0"):
        stubs["linux-64"][f"{name}-{version}-{build}.tar.bz2"] = {
            "name": name, "version": version, "build": build, "build_number": 0, "depends": [],
            "subdir": "linux-64", "md5": "0" * 32, "sha256": "0" * 64, "size": 0}
    for python in PYTHONS:
        stub("python", python + ".0")
    for version in ["1.26.4", "2.0.2"]:
        stub("numpy", version)
    for cuda in ["11.8", "12.1"]:
        stub("cuda-runtime", cuda + ".0")
    for subdir, packages in stubs.items():
        os.makedirs(f"{externals}/{subdir}", exist_ok=True)
        with open(f"{externals}/{subdir}/repodata.json", "w") as out:
            json.dump({"info": {"subdir": subdir}, "packages": packages, "packages.conda": {}}, out)
    catalog = ["distribution: pytorch", "channel: pytorch", "core: pytorch", "subdirs: [linux-64, noarch]",
               "release_managers: [alice]", "contacts:", "  alice: {email: alice@example.org}",
               "  team: {email: team@example.org}", "packages:",
               "  pytorch: {version: 2.5.1, maintainers: [alice]}",
               '  pytorch-mutex: {version: "1.0", support: true, maintainers: [alice]}',
               '  pytorch-cuda: {version: "12.1", support: true, maintainers: [alice]}',
               '  torchvision: {version: 0.20.1, companion: true, abi: true, depends: ["pytorch 2.5.1.*"], maintainers: [team]}',
               '  torchaudio: {version: 2.5.1, companion: true, abi: true, depends: ["pytorch 2.5.1.*"], maintainers: [team]}']
    for index in range(DOWNSTREAM):
        catalog.append(f'  pkg{index}: {{version: 1.0.0, depends: ["pytorch >=2,<2.6"], maintainers: [team]}}')
    catalog += ["solver:", "  on_unavailable: fail-closed", f'  solve_with: ["{externals}"]']
    with open(os.path.join(DATA, "distro.yml"), "w") as out:
        out.write("\n".join(catalog) + "\n")
    open(os.path.join(DATA, "done"), "w").close()


CAPTURE = r'''
import json, os, shutil, subprocess, sys
request = sys.stdin.read()
saved = os.environ["RAILYARD_BENCH_CAPTURE"]
future = json.loads(request)["channels"][0][len("file://"):]
shutil.rmtree(saved + "/future", ignore_errors=True)
shutil.copytree(future, saved + "/future")
with open(saved + "/request.json", "w") as out:
    out.write(request)
answer = subprocess.run([sys.executable] + sys.argv[1:], input=request.encode(), stdout=subprocess.PIPE)
sys.stdout.buffer.write(answer.stdout)
sys.exit(answer.returncode)
'''


async def reference(request, future):
    """py-rattler alone on the same solves: one gateway, one process, no JSON contract."""
    import rattler
    from rattler import BuildString, GenericVirtualPackage, MatchSpec, PackageName, Version
    channels = ["file://" + future] + request["channels"][1:]
    gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp(prefix="solve-bench-"))
    started = time.monotonic()
    solved = 0
    for solve in request["solves"]:
        virtual = []
        for text in solve["virtual_packages"]:
            name, _, rest = text.partition("=")
            version, _, build = rest.partition("=")
            virtual.append(GenericVirtualPackage(PackageName(name), Version(version), BuildString(build)))
        await rattler.solve(sources=channels, specs=[MatchSpec(s, strict=False) for s in solve["specs"]],
                            gateway=gateway, platforms=[solve["subdir"], "noarch"], virtual_packages=virtual)
        solved += 1
    return time.monotonic() - started, solved


def main():
    bench = os.path.join(ROOT, ".build", "release", "railyard-solve-bench")
    if not os.path.exists(bench):
        sys.exit("build first: swift build -c release")
    started = time.time()
    generate()
    print(f"data: {time.time() - started:.1f} s (cached in {DATA})", file=sys.stderr)
    work = os.path.join(ROOT, ".build", "solve-bench-run")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", DATA, work], check=True)
    capture = os.path.join(work, "capture")
    os.makedirs(capture)
    wrapper = os.path.join(work, "python-capture")
    with open(wrapper, "w") as out:
        out.write(f"#!/bin/sh\nexec {sys.executable} -c '{CAPTURE}' \"$@\"\n")
    os.chmod(wrapper, 0o755)
    environment = {**os.environ, "RAILYARD_PYTHON": wrapper, "RAILYARD_BENCH_CAPTURE": capture}
    output = subprocess.run([bench, work], check=True, stdout=subprocess.PIPE, env=environment).stdout
    railyard = json.loads(output)
    # The same requests again, through Railyard's dry run, with the python itself (no capture).
    again = json.loads(subprocess.run([bench, work, "--dry-run-only"], check=True, stdout=subprocess.PIPE).stdout)

    request = json.load(open(os.path.join(capture, "request.json")))
    rattler_seconds, solved = asyncio.run(reference(request, os.path.join(capture, "future")))
    peak_reference = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    dry_run = min(railyard["dry_run_seconds"], again["dry_run_seconds"])
    result = {**railyard, "dry_run_seconds_again": again["dry_run_seconds"], "rattler_alone_seconds": rattler_seconds,
              "rattler_alone_solves": solved, "rattler_alone_peak_memory_bytes": peak_reference}
    print(json.dumps(result, indent=2, sort_keys=True))
    print(f"{railyard['members']} members x {railyard['cells']} cells: {railyard['solves']} solves; "
          f"Railyard's dry run {dry_run:.2f} s (best of two), of which the solver reported {railyard['solver_seconds']:.2f} s; "
          f"py-rattler alone on the same requests {rattler_seconds:.2f} s; "
          f"the solver's peak memory {railyard['solver_peak_memory_bytes'] / 2**20:.0f} MiB "
          f"(py-rattler alone: {peak_reference / 2**20:.0f} MiB); slowest cell {railyard['slowest_cell']} "
          f"{railyard['slowest_cell_seconds']:.3f} s")
    if solved != railyard["solves"] or not railyard["ok"]:
        sys.exit("the solves differ or do not all hold")


if __name__ == "__main__":
    main()
