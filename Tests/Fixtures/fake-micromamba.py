#!/usr/bin/env python3
"""A stand-in for micromamba, for the tests of Railyard's conda/mamba/micromamba adapter: conda,
mamba and micromamba cannot be installed here (not on PyPI, not in Debian), so this answers
`micromamba --version` and `micromamba create --dry-run --json ...` in micromamba's own output
format, solving with py-rattler, and reading the machine's virtual packages from the
CONDA_OVERRIDE_* variables as micromamba does. Each call's arguments and overrides are appended
to $FAKE_MICROMAMBA_LOG as a JSON line.

Success: {"actions": {"LINK": [{"name", "version", "build_string", "subdir", ...}], "PREFIX"},
"dry_run": true, "prefix", "success": true}. No solution: {"solver_problems": [...],
"success": false} and exit 1 (mamba-org/mamba#1344, #2513).
"""
import asyncio
import json
import os
import sys
import tempfile


def main():
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        print("2.0.5")
        return 0
    if os.environ.get("FAKE_MICROMAMBA_LOG"):
        overrides = {k: v for k, v in os.environ.items() if k.startswith("CONDA_OVERRIDE_") or k == "CONDA_SUBDIR"}
        with open(os.environ["FAKE_MICROMAMBA_LOG"], "a") as log:
            log.write(json.dumps({"arguments": arguments, "environment": overrides}) + "\n")
    assert arguments[:4] == ["create", "--dry-run", "--json", "--yes"], arguments
    channels, specs, platform, prefix = [], [], None, None
    index = 4
    while index < len(arguments):
        argument = arguments[index]
        if argument in ("-c", "--platform", "--prefix", "-p"):
            value = arguments[index + 1]
            if argument == "-c":
                channels.append(value)
            elif argument == "--platform":
                platform = value
            else:
                prefix = value
            index += 2
            continue
        if not argument.startswith("-"):
            specs.append(argument)
        index += 1
    import rattler
    from rattler import BuildString, GenericVirtualPackage, MatchSpec, PackageName, Version
    from rattler.exceptions import SolverError
    virtual = [GenericVirtualPackage(PackageName("__unix"), Version("0"), BuildString("0"))]
    for name, variable in [("__cuda", "CONDA_OVERRIDE_CUDA"), ("__glibc", "CONDA_OVERRIDE_GLIBC"),
                           ("__linux", "CONDA_OVERRIDE_LINUX"), ("__osx", "CONDA_OVERRIDE_OSX")]:
        if os.environ.get(variable):
            virtual.append(GenericVirtualPackage(PackageName(name), Version(os.environ[variable]), BuildString("0")))

    async def solve():
        gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp(prefix="fake-micromamba-"))
        return await rattler.solve(sources=channels, specs=[MatchSpec(s, strict=False) for s in specs],
                                   gateway=gateway, platforms=[platform, "noarch"], virtual_packages=virtual)
    try:
        records = asyncio.run(solve())
    except SolverError as error:
        print(json.dumps({"solver_problems": [str(error).strip()], "success": False}, indent=4))
        return 1
    links = [{"name": r.name.normalized, "version": str(r.version), "build_string": str(r.build),
              "build_number": r.build_number, "subdir": str(r.subdir), "channel": str(r.channel),
              "dist_name": f"{r.name.normalized}-{r.version}-{r.build}"} for r in records]
    print(json.dumps({"actions": {"FETCH": [], "LINK": links, "PREFIX": prefix}, "dry_run": True, "prefix": prefix,
                      "success": True}, indent=4))
    return 0


code = main()
sys.stdout.flush()
# py-rattler's runtime threads can crash the interpreter's teardown: leave without it.
os._exit(code)
