"""The lab's anycast services, shared by gateway_snapshot.py and mesh_yaml.py.

A services file (JSON) lists services; anything left out takes the default shown in DEFAULT_SERVICE.
  {"services": [{"name": "echo-udp", "protocol": "udp", "port": 7000, "vip": "203.0.113.10",
                 "health": {"type": "udp", "port": 7000, "interval_ms": 1000, "rise": 2, "fall": 3},
                 "groups": [{"region": "r1", "weight": 128, "dial": 100, "backends": [1, 2]}, ...]}]}
Groups default to one per region with every backend; a group's backends are the lab's backend numbers
K of that region (address 10.200.N.(10+K)). Ids are stable whatever the file lists: group id = region
number, backend id = 100 x (service index + 1) + 10 x N + K, so flows stay pinned across versions."""
import json

DEFAULT_SERVICES = [
    {"name": "echo-udp", "protocol": "udp", "port": 7000, "health": {"type": "udp"}},
    {"name": "echo-tcp", "protocol": "tcp", "port": 7000, "health": {"type": "tcp"}},
]


def load(path, regions, backends):
    services = DEFAULT_SERVICES
    if path:
        with open(path) as f:
            services = json.load(f)["services"]
    out = []
    for index, s in enumerate(services):
        health = {"port": s.get("port", 7000), "interval_ms": 1000, "rise": 2, "fall": 3}
        health["type"] = "udp" if s.get("protocol", "udp") == "udp" else "tcp"
        health.update(s.get("health", {}))
        groups = s.get("groups") or [{"region": f"r{n}"} for n in range(1, regions + 1)]
        service = {"name": s["name"], "vip": s.get("vip", "203.0.113.10"), "protocol": s.get("protocol", "udp"),
                   "port": s.get("port", 7000), "health": health, "groups": []}
        for g in groups:
            n = int(g["region"][1:])
            numbers = g.get("backends") or list(range(1, backends + 1))
            service["groups"].append({
                "id": n, "region": g["region"], "weight": g.get("weight", 128), "dial": g.get("dial", 100),
                "backends": [{"id": 100 * (index + 1) + 10 * n + k, "address": f"10.200.{n}.{10 + k}",
                              "weight": 1} for k in numbers]})
        out.append(service)
    return out
