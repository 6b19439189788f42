"""Railyard's solver helper (docs/solver.md): solves lists of conda specs with py-rattler
(resolvo, the solver pixi and rattler-build use), or, when the request names a `program`, with
conda, mamba or micromamba (`create --dry-run --json`). One request as JSON on standard input,
one answer as JSON on standard output.

Exit codes: 0 answered (each solve says whether it succeeded); 2 the request cannot be read,
or the solver failed other than by finding no solution; 3 no solver here (py-rattler cannot be
imported, or the program cannot be run): {"contract": 1, "unavailable": REASON}.
"""
import asyncio
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

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
        program = request.get("program")
        cache = request.get("cache_dir")
    except Exception as error:  # noqa: BLE001 - any unreadable request is refused alike
        answer({"contract": CONTRACT, "error": f"unreadable request: {error}"}, 2)
    if cache:
        try:
            subdirs = sorted({subdir for _, subdir, _, _ in solves} | {"noarch"})
            channels = [mirrored(channel, subdirs, cache) for channel in channels]
        except OSError as error:
            answer({"contract": CONTRACT, "error": f"a channel of solve_with cannot be read: {error}"}, 2)
    if program:
        answer(*with_program(str(program), channels, solves))
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


def mirrored(channel, subdirs, cache):
    """An http(s) channel's repodata for `subdirs`, kept in `cache` and revalidated with the
    ETag it was served with (If-None-Match: a 304 reuses the copy); a file:// channel as is.
    Returns the channel to solve with: the local copy's file:// URL."""
    if not channel.startswith(("http://", "https://")):
        return channel
    base = channel.rstrip("/")
    folder = os.path.join(cache, hashlib.sha256(base.encode()).hexdigest()[:24])
    for subdir in subdirs:
        os.makedirs(os.path.join(folder, subdir), exist_ok=True)
        target = os.path.join(folder, subdir, "repodata.json")
        tag_file = target + ".etag"
        headers = {"User-Agent": "railyard-solve"}
        if os.path.exists(target) and os.path.exists(tag_file):
            with open(tag_file) as tag:
                headers["If-None-Match"] = tag.read().strip()
        try:
            with urllib.request.urlopen(urllib.request.Request(f"{base}/{subdir}/repodata.json", headers=headers),
                                        timeout=300) as response:
                body = response.read()
                etag = response.headers.get("ETag")
        except urllib.error.HTTPError as error:
            if error.code == 304:
                continue
            if error.code == 404:  # a channel without this subdir
                body, etag = json.dumps({"info": {"subdir": subdir}, "packages": {}}).encode(), None
            else:
                raise OSError(f"{base}/{subdir}/repodata.json: HTTP {error.code}") from error
        except urllib.error.URLError as error:
            raise OSError(f"{base}/{subdir}/repodata.json: {error.reason}") from error
        temporary = f"{target}.tmp-{os.getpid()}"
        with open(temporary, "wb") as out:
            out.write(body)
        os.replace(temporary, target)
        if etag:
            with open(tag_file, "w") as tag:
                tag.write(etag)
        elif os.path.exists(tag_file):
            os.remove(tag_file)
    return "file://" + folder


# The environment variables conda, mamba and micromamba read a machine's virtual packages from.
OVERRIDES = {"__cuda": "CONDA_OVERRIDE_CUDA", "__glibc": "CONDA_OVERRIDE_GLIBC", "__osx": "CONDA_OVERRIDE_OSX",
             "__linux": "CONDA_OVERRIDE_LINUX", "__win": "CONDA_OVERRIDE_WIN"}


def last_json(text):
    """The last JSON object in a program's output (conda may print a line before it)."""
    decoder = json.JSONDecoder()
    found = None
    index = text.find("{")
    while index != -1:
        try:
            found, end = decoder.raw_decode(text, index)
            index = text.find("{", end)
        except ValueError:
            index = text.find("{", index + 1)
    return found


def with_program(program, channels, solves):
    """The adapter for conda, mamba and micromamba: `create --dry-run --json` per solve, in a
    prefix that is never made, with the cell's virtual packages as CONDA_OVERRIDE_* variables."""
    path = shutil.which(program)
    if path is None:
        return {"contract": CONTRACT, "unavailable": f"{program} is not on PATH"}, 3
    kind = os.path.basename(path)
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as error:  # noqa: BLE001 - a program that cannot tell its version cannot be trusted to solve
        return {"contract": CONTRACT, "unavailable": f"{program} --version failed: {error}"}, 3
    name = f"{'conda' if kind.startswith('conda') else 'micromamba' if kind.startswith('micromamba') else 'mamba'}"
    solver = f"{name} {version.split()[-1] if version else '?'}"
    results = []
    scratch = tempfile.mkdtemp(prefix="railyard-solve-")
    for solve_name, subdir, specs, virtual in solves:
        environment = dict(os.environ, CONDA_SUBDIR=subdir, CONDA_OVERRIDE_CUDA="")
        for text in virtual:
            package, _, rest = text.partition("=")
            if package in OVERRIDES:
                environment[OVERRIDES[package]] = rest.partition("=")[0]
        command = [path, "create", "--dry-run", "--json", "--yes", "--prefix", os.path.join(scratch, "env"),
                   "--override-channels", "--strict-channel-priority"]
        for channel in channels:
            command += ["-c", channel]
        if name != "conda":
            command += ["--platform", subdir]
        started = time.monotonic()
        try:
            run = subprocess.run(command + specs, capture_output=True, text=True, env=environment, timeout=600)
        except Exception as error:  # noqa: BLE001 - a program that cannot run answers nothing
            return {"contract": CONTRACT, "error": f"{program} failed: {error}"}, 2
        seconds = round(time.monotonic() - started, 3)
        output = last_json(run.stdout) or {}
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        if output.get("success") and run.returncode == 0:
            links = output.get("actions", {}).get("LINK", [])
            picked = sorted(({"name": link["name"], "version": str(link["version"]),
                              "build": str(link.get("build_string", link.get("build", ""))),
                              "subdir": str(link.get("subdir", link.get("platform", "")))} for link in links),
                            key=lambda p: p["name"])
            results.append({"name": solve_name, "ok": True, "packages": picked, "error": None, "seconds": seconds,
                            "peak_memory_bytes": peak})
        elif output.get("solver_problems") or output.get("message") or output.get("error"):
            problems = output.get("solver_problems") or [output.get("message") or output.get("error")]
            results.append({"name": solve_name, "ok": False, "packages": [], "seconds": seconds,
                            "error": "; ".join(str(p).strip() for p in problems), "peak_memory_bytes": peak})
        else:
            said = (run.stderr or run.stdout).strip()[-500:]
            return {"contract": CONTRACT, "error": f"{program} exited {run.returncode}: {said}"}, 2
    shutil.rmtree(scratch, ignore_errors=True)
    return {"contract": CONTRACT, "solver": solver, "results": results}, 0


main()
