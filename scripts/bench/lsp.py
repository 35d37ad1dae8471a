#!/usr/bin/env python3
"""Latency of `schemac lsp` diagnostics after a one-line edit (a benchmark, not a test).

    scripts/bench/lsp.py [N_TABLES] [EDITS]      # defaults: 500 tables, 40 edits

Generates the N-table synthetic model (scripts/bench/gen.py) in target/bench/lsp-N/, starts
`$SCHEMAC_BIN lsp` (default target/release/schemac) there with a debounce of 0 ms, opens the model
as an editor does and waits for its first diagnostics; then, EDITS times, changes one line (a
table's `description:`, alternating between two texts so each edit really changes the model) and
measures the wall time from writing `didChange` to reading the `publishDiagnostics` that follows
it. Prints the first run's time and the median, p90 and maximum of the edits, in milliseconds.

The editor's own debounce (30 ms by default in schemac, `initializationOptions.debounceMs`) comes
on top in real use; this measures what the server adds after it.
"""

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    binary = os.environ.get("SCHEMAC_BIN", os.path.join(ROOT, "target", "release", "schemac"))
    work = os.path.join(ROOT, "target", "bench", f"lsp-{n}")
    os.makedirs(work, exist_ok=True)
    model = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "bench", "gen.py"), str(n)],
        check=True, capture_output=True, text=True,
    ).stdout
    path = os.path.join(work, "schema.yaml")
    with open(path, "w") as f:
        f.write(model)
    uri = "file://" + path
    proc = subprocess.Popen(
        [binary, "lsp", "--schema", "schema.yaml"], cwd=work,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )

    def send(msg):
        body = json.dumps(msg).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    def read_raw():
        length = 0
        while True:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return proc.stdout.read(length)

    def read():
        return json.loads(read_raw())

    def wait_diagnostics(parse=True):
        # params are serialized in key order: the `uri` comes after the diagnostics.
        # The clock stops when the whole message is read; parsing it (several MB of JSON at 500
        # tables) is the client's time, so only the first message is parsed, to count.
        while True:
            body = read_raw()
            if b'"textDocument/publishDiagnostics"' in body[:120] and uri.encode() in body[-2000:]:
                return json.loads(body)["params"]["diagnostics"] if parse else None

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": None, "capabilities": {},
        "initializationOptions": {"debounceMs": 0}}})
    while read().get("id") != 1:
        pass
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    wait_diagnostics()  # the run at start, from the disk
    start = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": model}}})
    diags = wait_diagnostics()
    first = (time.perf_counter() - start) * 1000
    lines = model.split("\n")
    target = next(i for i, l in enumerate(lines) if l.strip().startswith("description:"))
    original = lines[target]
    times = []
    for k in range(edits):
        lines[target] = original if k % 2 else original + " (edited)"
        text = "\n".join(lines)
        start = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [{"text": text}]}})
        wait_diagnostics(parse=False)
        times.append((time.perf_counter() - start) * 1000)
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    while read().get("id") != 2:
        pass
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait()
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(f"{n} tables, {len(model.splitlines())} lines, {len(diags)} diagnostics on open")
    print(f"open: {first:.1f} ms; one-line edit → diagnostics over {edits} edits: "
          f"median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
