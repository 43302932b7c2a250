#!/usr/bin/python3
"""Samples the memory of the lab's long-lived processes at a fixed interval, for lab/soak: one JSON
line per sample, stamped on CLOCK_MONOTONIC, until --duration or SIGTERM/SIGINT.

usage: soak_sample.py [--interval 5] [--duration S]
line:  {"t_ns": 123, "load1": 2.5, "hugepages": {"total": 512, "free": 380, "size_kib": 2048},
        "procs": {"gateway-r1": {"pid": 42, "rss_kib": 81234, "hugetlb_kib": 0, "threads": 5, "fds": 40}, ...}}

A process is found by its network namespace (the lab's am-* namespaces, matched by the inode of
/run/netns/NAME) and its program: anymesh-gateway, anymesh-controller, wanem, bird, backend.
Transient programs (stream, loadgen, the CLI) are not sampled."""
import argparse
import json
import os
import re
import signal
import time

NETNS_DIR = "/run/netns"
LAB_NS = re.compile(r"^am-(wan|inet|client-[0-9]|r[0-9]-(gw|lan|be[0-9]))$")
PROGRAMS = {"anymesh-gateway": "gateway", "anymesh-controller": "controller", "wanem": "wanem",
            "bird": "bird", "backend": "backend"}


def lab_namespaces() -> dict:
    """inode of the namespace -> its name, for the lab's namespaces only."""
    found = {}
    try:
        names = os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return found
    for name in names:
        if LAB_NS.match(name):
            try:
                found[os.stat(os.path.join(NETNS_DIR, name)).st_ino] = name
            except OSError:
                pass
    return found


def label(kind: str, ns: str, cmdline: list) -> str:
    """A stable name for a process: what it is and where it runs (gateway-r1, bird-inet-side2, backend-r3-be1)."""
    where = ns[len("am-"):]
    if kind == "gateway":
        return "gateway-" + where.removesuffix("-gw")
    if kind == "bird":
        if where == "inet":
            side = next((m.group(1) for a in cmdline if (m := re.search(r"/(side[0-9])/bird\.conf$", a))), "?")
            return f"bird-inet-{side}"
        return "bird-" + where.removesuffix("-gw")
    if kind in ("controller", "wanem"):
        return kind
    return f"{kind}-{where}"


def status_fields(pid: int) -> dict:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def sample_processes(namespaces: dict) -> dict:
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            ns = namespaces.get(os.stat(f"/proc/{pid}/ns/net").st_ino)
            if ns is None:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
            if not cmdline:
                continue
            kind = PROGRAMS.get(os.path.basename(cmdline[0]))
            if kind is None:
                continue
            fields = status_fields(pid)
            if fields.get("State", ["?"])[0] == "Z":
                continue
            procs[label(kind, ns, cmdline)] = {
                "pid": pid,
                "rss_kib": int(fields.get("VmRSS", ["0"])[0]),
                "hugetlb_kib": int(fields.get("HugetlbPages", ["0"])[0]),
                "threads": int(fields.get("Threads", ["0"])[0]),
                "fds": len(os.listdir(f"/proc/{pid}/fd")),
            }
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue  # it exited while we looked
    return procs


def hugepages() -> dict:
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            info[key] = value.split()
    return {"total": int(info["HugePages_Total"][0]), "free": int(info["HugePages_Free"][0]),
            "size_kib": int(info["Hugepagesize"][0])}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=3600.0)
    args = parser.parse_args()
    if not 0.5 <= args.interval <= 600 or not 0 < args.duration <= 86400:
        parser.error("--interval 0.5-600 s, --duration up to 86400 s")
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    interval_ns = int(args.interval * 1e9)
    start = time.monotonic_ns()
    deadline = start + int(args.duration * 1e9)
    tick = start
    while not stop and time.monotonic_ns() < deadline:
        t_ns = time.monotonic_ns()
        with open("/proc/loadavg") as f:
            load1 = float(f.read().split()[0])
        line = {"t_ns": t_ns, "load1": load1, "hugepages": hugepages(), "procs": sample_processes(lab_namespaces())}
        print(json.dumps(line, separators=(",", ":")), flush=True)
        # Fixed ticks, not fixed sleeps: a late sample does not shift the ones after it.
        tick += interval_ns
        while not stop and time.monotonic_ns() < tick:
            time.sleep(min(0.2, max(0.0, (tick - time.monotonic_ns()) / 1e9)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
