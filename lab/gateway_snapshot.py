#!/usr/bin/python3
"""Writes the lab's static GatewaySnapshot (protobuf text format) for the gateway of one region.

usage: gateway_snapshot.py REGION REGIONS LANES KEYDIR PROBE_TIMEOUT_MS [VERSION [SERVICES BACKENDS]]
Every other region's gateway is a peer (its outer address 198.51.100.(10+M), tunnel address
10.200.0.M, lanes on 51820 + i); each region's LAN 10.200.M.0/24 is reached directly over all its
lanes, with one-hop relays through every third region as precomputed backups. KEYDIR holds
rN.pub (base64) for every region. SERVICES: a lab services file (lab_services.py; "-" for the
default services), BACKENDS: backends per region. The controller compiles the same shape from mesh.yaml."""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab_services  # noqa: E402


def escaped(key_b64: str) -> str:
    return "".join(f"\\x{b:02x}" for b in base64.b64decode(key_b64))


def service_text(s, self_region: str) -> str:
    h = s["health"]
    text = [f'services {{ name: "{s["name"]}" vips: "{s["vip"]}" protocol: PROTOCOL_{s["protocol"].upper()} '
            f'port_first: {s["port"]}']
    for g in s["groups"]:
        text.append(f'groups {{ id: {g["id"]} region: "{g["region"]}" weight: {g["weight"]} dial_percent: {g["dial"]} '
                    f'health_check {{ type: HEALTH_CHECK_{h["type"].upper()} interval_ms: {h["interval_ms"]} '
                    f'rise: {h["rise"]} fall: {h["fall"]} port: {h["port"]} }} }}')
    for g in s["groups"]:
        for b in g["backends"]:
            local = "true" if g["region"] == self_region else "false"
            text.append(f'backends {{ id: {b["id"]} address: "{b["address"]}" weight: {b["weight"]} '
                        f'group: {g["id"]} local: {local} }}')
    return " ".join(text) + " }"


def main() -> None:
    n, regions, lanes, keydir = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    timeout_ms = int(sys.argv[5])
    version = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    lane_ids = ", ".join(str(i) for i in range(lanes))
    out = [f"version: {version}", f'self {{ id: {n} region: "r{n}" tunnel_address: "10.200.0.{n}" }}']
    others = [m for m in range(1, regions + 1) if m != n]
    for m in others:
        key = open(f"{keydir}/r{m}.pub").read().strip()
        lane_text = " ".join(f"lanes {{ id: {i} port: {51820 + i} }}" for i in range(lanes))
        out.append(f'peers {{ id: {m} region: "r{m}" public_key: "{escaped(key)}" '
                   f'endpoints: "198.51.100.{10 + m}:51820" tunnel_address: "10.200.0.{m}" {lane_text} }}')
    for m in others:
        backups = " ".join(f"backups {{ kind: BACKUP_KIND_RELAY gateway: {k} lanes: [{lane_ids}] }}"
                           for k in others if k != m)
        out.append(f'groups {{ region: "r{m}" next_hops {{ gateway: {m} lanes: [{lane_ids}] weight: 1 }} {backups} }}')
        out.append(f'prefixes {{ prefix: "10.200.{m}.0/24" region: "r{m}" }}')
    # An echo can only be missed once the path's round trip has passed: the timeout must exceed
    # the longest RTT, and a dead lane is detected timeout + 2 intervals after it died.
    out.append(f"probe {{ interval_ms: 10 miss_threshold: 3 recover_threshold: 5 timeout_ms: {timeout_ms} }}")
    if len(sys.argv) > 8:
        path = None if sys.argv[7] == "-" else sys.argv[7]
        for s in lab_services.load(path, regions, int(sys.argv[8])):
            out.append(service_text(s, f"r{n}"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
