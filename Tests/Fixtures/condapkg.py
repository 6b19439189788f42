#!/usr/bin/env python3
"""Builds small, real conda packages for Railyard's tests, with the formats' own tools:
tarfile (bzip2) for .tar.bz2, zipfile and the zstd command for .conda.

    condapkg.py OUT_DIR NAME VERSION BUILD SUBDIR [--depends SPEC ...] [--format conda|tar.bz2]
                [--build-number N] [--noarch python] [--hostile KIND] [--file-name NAME]

--hostile makes a package a reader must refuse: traversal (an entry ../../evil), absolute
(/etc/evil), symlink (a link to ../../../etc/passwd), bomb (a payload that unpacks to 1 GiB of
zeros), no-index (no info/index.json), and:
  split-bomb      .conda: info- and pkg- tarballs of 150 MiB of zeros each (300 MiB in all)
  twenty          .conda: twenty pkg- tarballs besides the real ones
  second-info     .conda: a second info- tarball, named for no file, with other metadata
  duplicate-info  .conda: info-STEM.tar.zst twice, the second with other metadata
  foreign-info    .conda: the info tarball named for another file (info-other-1.0-0.tar.zst)
  no-metadata     .conda: no metadata.json (not hostile: conda-package-handling reads it)
  info-in-pkg     .conda: the pkg- tarball holds an info/index.json of its own
  double-index    info/index.json twice, the second with other metadata
  plain-tar       .tar.bz2 not compressed; .conda with uncompressed inner tarballs
  symlink-chain   lib/up -> .. and lib/escape -> up/../etc/passwd (escapes only when followed)
  link-dotdot     lib/up -> .. and a file lib/up/../evil.sh (written through the link, outside)
  hardlink        a hard link to ../../etc/passwd
  fifo, chardev, blockdev   an entry of that type
--file-name writes it under another name (a renamed file). --set KEY=JSON puts any value into
info/index.json (a build_number of -1, a subdir of evil-64). --depends-count N adds N specs
dep0 ... depN-1. --payload-bytes N adds a payload of N random (incompressible) bytes.
Prints the path written.

    condapkg.py --batch SPECS.json

makes many at once: SPECS.json is a list of objects with the same fields (out, name, version,
build, subdir, depends, format, build_number, noarch), and "index", any other fields of info/index.json
(constrains, a real record's license).
"""
import argparse
import io
import json
import os
import subprocess
import tarfile
import zipfile


SPECIAL_TYPES = {"fifo": tarfile.FIFOTYPE, "chardev": tarfile.CHRTYPE, "blockdev": tarfile.BLKTYPE}


def tar_bytes(entries, compression=None):
    """entries: list of (name, bytes or None for a directory, symlink target or None); a link
    target "=>PATH" is a hard link, and a data of "fifo", "chardev" or "blockdev" that type."""
    buffer = io.BytesIO()
    mode = "w:bz2" if compression == "bz2" else "w"
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as tar:
        for name, data, link in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if isinstance(data, str):
                info.type = SPECIAL_TYPES[data]
                tar.addfile(info)
            elif link is not None and link.startswith("=>"):
                info.type = tarfile.LNKTYPE
                info.linkname = link[2:]
                tar.addfile(info)
            elif link is not None:
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


class Zeros:
    """A file object of zero bytes without end, read in pieces."""

    def read(self, count=-1):
        return bytes(min(count, 1 << 20) if count >= 0 else 1 << 20)


def zeros_tarball(entries, name, size):
    """A zstd tarball of `entries` plus `name` holding `size` zero bytes, streamed through zstd:
    a few hundred kilobytes packed."""
    import threading
    proc = subprocess.Popen(["zstd", "-q", "-c", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
    reader.start()
    with tarfile.open(fileobj=proc.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for entry_name, data, _ in entries:
            info = tarfile.TarInfo(entry_name)
            info.mtime = 1_700_000_000
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        header = tarfile.TarInfo(name)
        header.size = size
        header.mtime = 1_700_000_000
        tar.addfile(header, Zeros())
    proc.stdin.close()
    reader.join()
    proc.wait()
    return chunks[0]


def main():
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--batch":
        with open(sys.argv[2]) as specs:
            for spec in json.load(specs):
                args = argparse.Namespace(
                    out=spec["out"], name=spec["name"], version=spec["version"], build=spec["build"],
                    subdir=spec["subdir"], depends=spec.get("depends", []), format=spec.get("format", "conda"),
                    build_number=spec.get("build_number", 0), noarch=spec.get("noarch"), hostile=None,
                    file_name=None, depends_count=0, payload_bytes=0,
                    set=[f"{key}={json.dumps(value)}" for key, value in spec.get("index", {}).items()])
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
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--depends-count", type=int, default=0)
    parser.add_argument("--payload-bytes", type=int, default=0)
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
    index["depends"] = index["depends"] + [f"dep{i}" for i in range(args.depends_count)]
    for assignment in args.set:
        key, _, value = assignment.partition("=")
        index[key] = json.loads(value)
    other = dict(index, depends=["evil"])
    info = [("info/index.json", json.dumps(index, indent=2).encode(), None),
            ("info/paths.json", json.dumps({"paths": [], "paths_version": 1}).encode(), None)]
    other_info = [("info/index.json", json.dumps(other).encode(), None)]
    if args.hostile == "no-index":
        info = info[1:]
    elif args.hostile == "double-index":
        info = info + other_info
    payload = [(f"lib/{args.name}/__init__.py", f"# {args.name} {args.version}\n".encode(), None)]
    if args.payload_bytes:
        payload.append((f"lib/{args.name}/blob.bin", os.urandom(args.payload_bytes), None))
    if args.hostile == "traversal":
        payload.append(("../../evil.sh", b"echo gotcha\n", None))
    elif args.hostile == "absolute":
        payload.append(("/etc/evil", b"gotcha\n", None))
    elif args.hostile == "symlink":
        payload.append(("lib/escape", None, "../../../etc/passwd"))
    elif args.hostile == "symlink-chain":
        payload += [("lib/up", None, ".."), ("lib/escape", None, "up/../etc/passwd")]
    elif args.hostile == "link-dotdot":
        payload += [("lib/up", None, ".."), ("lib/up/../evil.sh", b"echo gotcha\n", None)]
    elif args.hostile == "hardlink":
        payload.append(("lib/passwd", None, "=>../../etc/passwd"))
    elif args.hostile in SPECIAL_TYPES:
        payload.append((f"lib/{args.hostile}", args.hostile, None))
    elif args.hostile == "info-in-pkg":
        payload += other_info

    stem = f"{args.name}-{args.version}-{args.build}"
    file_name = args.file_name or f"{stem}.{args.format}"
    path = os.path.join(args.out, file_name)
    os.makedirs(args.out, exist_ok=True)
    if args.format == "tar.bz2":
        entries = info + payload
        if args.hostile == "bomb":
            entries.append(("lib/zeros.bin", bytes(1 << 30), None))
        with open(path, "wb") as out:
            out.write(tar_bytes(entries, compression=None if args.hostile == "plain-tar" else "bz2"))
    else:
        pkg = tar_bytes(payload)
        compress = (lambda data: data) if args.hostile == "plain-tar" else zstd
        if args.hostile == "split-bomb":
            packed_pkg = zeros_tarball(payload, "lib/zeros.bin", 150 << 20)
            packed_info = zeros_tarball(info, "info/zeros.bin", 150 << 20)
        elif args.hostile == "bomb":
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
            packed_pkg = compress(pkg)
        if args.hostile != "split-bomb":
            packed_info = compress(tar_bytes(info))
        info_name = "info-other-1.0-0" if args.hostile == "foreign-info" else f"info-{stem}"
        import warnings
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
            if args.hostile != "no-metadata":  # optional: conda-package-handling reads without it
                z.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
            z.writestr(f"pkg-{stem}.tar.zst", packed_pkg)
            z.writestr(f"{info_name}.tar.zst", packed_info)
            if args.hostile == "twenty":
                for number in range(20):
                    z.writestr(f"pkg-{stem}-{number}.tar.zst", packed_pkg)
            elif args.hostile == "second-info":
                z.writestr("info-zzz.tar.zst", zstd(tar_bytes(other_info)))
            elif args.hostile == "duplicate-info":
                z.writestr(f"info-{stem}.tar.zst", zstd(tar_bytes(other_info)))
    print(path)


if __name__ == "__main__":
    main()
