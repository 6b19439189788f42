#!/usr/bin/env python3
"""Builds small, real conda packages for Railyard's tests, with the formats' own tools:
tarfile (bzip2) for .tar.bz2, zipfile and the zstd command for .conda.

    condapkg.py OUT_DIR NAME VERSION BUILD SUBDIR [--depends SPEC ...] [--format conda|tar.bz2]
                [--build-number N] [--noarch python] [--hostile KIND] [--file-name NAME]

--hostile makes a package a reader must refuse: traversal (an entry ../../evil), absolute
(/etc/evil), symlink (a link to ../../../etc/passwd), bomb (a payload that unpacks to 1 GiB of
zeros), no-index (no info/index.json). --file-name writes it under another name (a renamed file).
Prints the path written.

    condapkg.py --batch SPECS.json

makes many at once: SPECS.json is a list of objects with the same fields (out, name, version,
build, subdir, depends, format, build_number, noarch).
"""
import argparse
import io
import json
import os
import subprocess
import tarfile
import zipfile


def tar_bytes(entries, compression=None):
    """entries: list of (name, bytes or None for a directory, symlink target or None)."""
    buffer = io.BytesIO()
    mode = "w:bz2" if compression == "bz2" else "w"
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as tar:
        for name, data, link in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = link
                tar.addfile(info)
            elif data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout


def main():
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--batch":
        with open(sys.argv[2]) as specs:
            for spec in json.load(specs):
                args = argparse.Namespace(
                    out=spec["out"], name=spec["name"], version=spec["version"], build=spec["build"],
                    subdir=spec["subdir"], depends=spec.get("depends", []), format=spec.get("format", "conda"),
                    build_number=spec.get("build_number", 0), noarch=spec.get("noarch"), hostile=None,
                    file_name=None)
                make(args)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("build")
    parser.add_argument("subdir")
    parser.add_argument("--depends", action="append", default=[])
    parser.add_argument("--format", default="conda", choices=["conda", "tar.bz2"])
    parser.add_argument("--build-number", type=int, default=0)
    parser.add_argument("--noarch")
    parser.add_argument("--hostile")
    parser.add_argument("--file-name")
    make(parser.parse_args())


def make(args):
    index = {
        "name": args.name,
        "version": args.version,
        "build": args.build,
        "build_number": args.build_number,
        "depends": args.depends,
        "subdir": args.subdir,
        "license": "BSD-3-Clause",
        "timestamp": 1_700_000_000_000,
    }
    if args.noarch:
        index["noarch"] = args.noarch
    info = [("info/index.json", json.dumps(index, indent=2).encode(), None),
            ("info/paths.json", json.dumps({"paths": [], "paths_version": 1}).encode(), None)]
    if args.hostile == "no-index":
        info = info[1:]
    payload = [(f"lib/{args.name}/__init__.py", f"# {args.name} {args.version}\n".encode(), None)]
    if args.hostile == "traversal":
        payload.append(("../../evil.sh", b"echo gotcha\n", None))
    elif args.hostile == "absolute":
        payload.append(("/etc/evil", b"gotcha\n", None))
    elif args.hostile == "symlink":
        payload.append(("lib/escape", None, "../../../etc/passwd"))

    stem = f"{args.name}-{args.version}-{args.build}"
    file_name = args.file_name or f"{stem}.{args.format}"
    path = os.path.join(args.out, file_name)
    os.makedirs(args.out, exist_ok=True)
    if args.format == "tar.bz2":
        entries = info + payload
        if args.hostile == "bomb":
            entries.append(("lib/zeros.bin", bytes(1 << 30), None))
        with open(path, "wb") as out:
            out.write(tar_bytes(entries, compression="bz2"))
    else:
        pkg = tar_bytes(payload)
        if args.hostile == "bomb":
            # 2 GiB of zeros, streamed through zstd: a few hundred kilobytes packed.
            header = tarfile.TarInfo("lib/zeros.bin")
            header.size = 2 << 30
            header.mtime = 1_700_000_000
            proc = subprocess.Popen(["zstd", "-q", "-c", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            import threading
            chunks = []
            reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
            reader.start()
            proc.stdin.write(header.tobuf(format=tarfile.PAX_FORMAT))
            zero = bytes(1 << 20)
            for _ in range(2 << 10):
                proc.stdin.write(zero)
            proc.stdin.write(bytes(1024))
            proc.stdin.close()
            reader.join()
            proc.wait()
            packed_pkg = chunks[0]
        else:
            packed_pkg = zstd(pkg)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
            z.writestr(f"pkg-{stem}.tar.zst", packed_pkg)
            z.writestr(f"info-{stem}.tar.zst", zstd(tar_bytes(info)))
    print(path)


if __name__ == "__main__":
    main()
