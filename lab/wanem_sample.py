#!/usr/bin/python3
"""Samples the WAN emulator's link counters at a fixed interval: one JSON line per sample, stamped on
CLOCK_MONOTONIC (the clock stream and loadgen stamp with), until --duration or SIGTERM/SIGINT.

usage: wanem_sample.py SOCKET [--interval-ms 100] [--duration S]
line:  {"t_ns": 123, "links": {"r1>r3": {"in": 5, "forwarded": 5, "bytes": 420, "lost": 0,
        "blackholed": 0, "overflow": 0, "up": true, "delay_ms": 5}, ...}}"""
import argparse
import json
import signal
import socket
import sys
import time

FIELDS = ("in", "forwarded", "bytes", "lost", "blackholed", "overflow", "up", "delay_ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("--interval-ms", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=600.0)
    args = parser.parse_args()
    if not 1 <= args.interval_ms <= 60000 or not 0 < args.duration <= 3600:
        parser.error("--interval-ms 1-60000, --duration up to 3600 s")
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    # One connection for every sample: the emulator answers each line on the same socket.
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.connect(args.socket)
    reader = control.makefile("r")
    interval_ns = int(args.interval_ms * 1e6)
    start = time.monotonic_ns()
    deadline = start + int(args.duration * 1e9)
    tick = start
    while not stop and time.monotonic_ns() < deadline:
        control.sendall(b"status json\n")
        t_ns = time.monotonic_ns()
        reply = reader.readline()
        if not reply:
            print("wanem_sample: the emulator closed the control socket", file=sys.stderr)
            return 1
        status = json.loads(reply)
        links = {f"{l['from']}>{l['to']}": {k: l[k] for k in FIELDS} for l in status["links"]}
        print(json.dumps({"t_ns": t_ns, "links": links}, separators=(",", ":")), flush=True)
        # Fixed ticks, not fixed sleeps: a late sample does not shift the ones after it.
        tick += interval_ns
        pause = (tick - time.monotonic_ns()) / 1e9
        if pause > 0:
            time.sleep(pause)
    return 0


if __name__ == "__main__":
    sys.exit(main())
