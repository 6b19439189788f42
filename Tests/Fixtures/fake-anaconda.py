#!/usr/bin/env python3
"""A stand-in for anaconda-client (the real anaconda.org is out of reach in tests).

Models labels of one owner in $FAKE_ANACONDA_STATE (JSON: label -> sorted list of SUBDIR/FILE),
appends every call to $FAKE_ANACONDA_LOG (one JSON object per line: args, status), and:
  FAKE_ANACONDA_FAIL_ON=N   fails the Nth call (counting from 1) with exit 1, like an HTTP 502;
  FAKE_ANACONDA_KILL_ON=N   carries out the Nth call, then kills its caller with SIGKILL (a crash
                            after the server did the work, before the caller recorded it).
Supports: upload --user O --label L [--skip-existing] PATH (the subdir is PATH's folder name);
copy O/NAME/VERSION/SUBDIR/FILE --from-label L --to-label M.
"""
import json
import os
import signal
import sys


def main():
    state_path = os.environ["FAKE_ANACONDA_STATE"]
    log_path = os.environ["FAKE_ANACONDA_LOG"]
    args = sys.argv[1:]
    calls = 0
    if os.path.exists(log_path):
        with open(log_path) as log:
            calls = sum(1 for _ in log)
    number = calls + 1
    state = {}
    if os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)

    def finish(status, message=""):
        with open(log_path, "a") as log:
            log.write(json.dumps({"args": args, "status": status}) + "\n")
        if message:
            print(message, file=sys.stderr)
        sys.exit(status)

    if os.environ.get("FAKE_ANACONDA_FAIL_ON") == str(number):
        finish(1, "Error: HTTP 502 Bad Gateway (simulated)")
    command = args[0] if args else ""
    if command == "upload":
        label = args[args.index("--label") + 1]
        path = args[-1]
        entry = os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path)
        files = set(state.get(label, []))
        if entry in files and "--skip-existing" not in args:
            finish(1, f"Error: {entry} already exists on {label}")
        files.add(entry)
        state[label] = sorted(files)
    elif command == "copy":
        spec = args[1].split("/")
        entry = "/".join(spec[3:])
        source = args[args.index("--from-label") + 1]
        target = args[args.index("--to-label") + 1]
        if entry not in state.get(source, []):
            finish(1, f"Error: {entry} not found on label {source}")
        state[target] = sorted(set(state.get(target, [])) | {entry})
    else:
        finish(2, f"unsupported: {args}")
    with open(state_path + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(state_path + ".tmp", state_path)
    if os.environ.get("FAKE_ANACONDA_KILL_ON") == str(number):
        with open(log_path, "a") as log:
            log.write(json.dumps({"args": args, "status": 0}) + "\n")
        os.kill(os.getppid(), signal.SIGKILL)
        sys.exit(0)
    finish(0)


if __name__ == "__main__":
    main()
