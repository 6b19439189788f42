"""Railyard's solver helper (docs/solver.md): solves lists of conda specs with py-rattler
(resolvo, the solver pixi and rattler-build use). One request as JSON on standard input, one
answer as JSON on standard output.

Exit codes: 0 answered (each solve says whether it succeeded); 2 the request cannot be read,
or the solver failed other than by finding no solution; 3 no solver here (py-rattler cannot be imported): {"contract": 1, "unavailable": REASON}.
"""
import asyncio
import json
import os
import resource
import sys
import tempfile
import time

CONTRACT = 1


def answer(obj, code=0):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()
    # py-rattler's runtime threads have crashed the interpreter's teardown under load.
    os._exit(code)


def main():
    try:
        request = json.load(sys.stdin)
        assert request.get("contract") == CONTRACT, "contract must be 1"
        channels = [str(c) for c in request["channels"]]
        solves = [(str(s["name"]), str(s["subdir"]), [str(x) for x in s["specs"]],
                   [str(v) for v in s.get("virtual_packages", [])]) for s in request["solves"]]
    except Exception as error:  # noqa: BLE001 - any unreadable request is refused alike
        answer({"contract": CONTRACT, "error": f"unreadable request: {error}"}, 2)
    try:
        import rattler
        from rattler import BuildString, GenericVirtualPackage, MatchSpec, PackageName, Version
        from rattler.exceptions import SolverError
    except Exception as error:  # noqa: BLE001 - whatever stops the import, there is no solver
        answer({"contract": CONTRACT, "unavailable": f"py-rattler cannot be imported: {error}"}, 3)

    def virtual_package(text):
        name, _, rest = text.partition("=")
        version, _, build = rest.partition("=")
        return GenericVirtualPackage(PackageName(name), Version(version or "0"), BuildString(build or "0"))

    def peak_memory_bytes():
        # Linux reports ru_maxrss in KiB, macOS in bytes.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024

    async def run():
        gateway = rattler.Gateway(cache_dir=tempfile.mkdtemp(prefix="railyard-solve-"))
        results = []
        for name, subdir, specs, virtual in solves:
            started = time.monotonic()
            try:
                # Lenient parsing, as conda reads specs: build strings such as py3.11_cpu_0.
                records = await rattler.solve(
                    sources=channels, specs=[MatchSpec(s, strict=False) for s in specs], gateway=gateway,
                    platforms=[subdir, "noarch"], virtual_packages=[virtual_package(v) for v in virtual])
                picked = sorted(({"name": r.name.normalized, "version": str(r.version), "build": str(r.build),
                                  "subdir": str(r.subdir)} for r in records), key=lambda p: p["name"])
                results.append({"name": name, "ok": True, "packages": picked, "error": None,
                                "seconds": round(time.monotonic() - started, 3),
                                "peak_memory_bytes": peak_memory_bytes()})
            except SolverError as error:  # the solver's explanation is the answer
                results.append({"name": name, "ok": False, "packages": [], "error": str(error).strip(),
                                "seconds": round(time.monotonic() - started, 3),
                                "peak_memory_bytes": peak_memory_bytes()})
        return results

    try:
        results = asyncio.run(run())
    except Exception as error:  # noqa: BLE001 - anything but a failed solve: no answer to trust
        answer({"contract": CONTRACT, "error": f"the solver failed: {type(error).__name__}: {error}"}, 2)
    answer({"contract": CONTRACT, "solver": f"py-rattler {getattr(rattler, '__version__', '?')}",
            "results": results})


main()
