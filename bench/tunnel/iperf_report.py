# Turns iperf_bench.sh's per-run records into the JSON result and a Markdown table (best of runs).
import argparse
import json
import os
import platform
import subprocess

FIELDS = ["impl", "round", "parallel", "bps", "retransmits", "rss_max_a_kb", "rss_max_b_kb", "anon_max_a_kb",
          "anon_max_b_kb", "hwm_a_kb", "hwm_b_kb", "rss_idle_a_kb", "rss_idle_b_kb", "anon_idle_a_kb",
          "anon_idle_b_kb", "cpu_ticks_a", "cpu_ticks_b"]
IMPLS = ["anymesh-wg", "wireguard-go"]
TICKS = os.sysconf("SC_CLK_TCK")


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "nproc": os.cpu_count(), "kernel": platform.release()}


def version_of(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=5).stdout
        return out.splitlines()[0] if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            values = line.rstrip("\n").split("\t")
            if len(values) != len(FIELDS):
                continue
            r = dict(zip(FIELDS, values))
            for k in FIELDS[1:]:
                r[k] = float(r[k]) if k == "bps" else int(float(r[k] or 0))
            runs.append(r)
    return runs


def summarise(runs, impl, seconds):
    mine = [r for r in runs if r["impl"] == impl]
    out = {"runs": [], "best_gbps": {}, "rss_max_kb": 0, "rss_max_sender_kb": 0, "rss_max_receiver_kb": 0,
           "rss_idle_kb": 0, "anon_max_kb": 0, "anon_idle_kb": 0}
    for r in mine:
        cpu_a = r["cpu_ticks_a"] / TICKS
        cpu_b = r["cpu_ticks_b"] / TICKS
        out["runs"].append({"round": r["round"], "parallel": r["parallel"], "gbps": r["bps"] / 1e9,
                            "retransmits": r["retransmits"],
                            "rss_max_sender_kb": r["rss_max_a_kb"], "rss_max_receiver_kb": r["rss_max_b_kb"],
                            "anon_max_sender_kb": r["anon_max_a_kb"], "anon_max_receiver_kb": r["anon_max_b_kb"],
                            "vmhwm_sender_kb": r["hwm_a_kb"], "vmhwm_receiver_kb": r["hwm_b_kb"],
                            "cpu_s_sender": cpu_a, "cpu_s_receiver": cpu_b,
                            "cpu_share_sender": cpu_a / seconds, "cpu_share_receiver": cpu_b / seconds})
        key = str(r["parallel"])
        out["best_gbps"][key] = max(out["best_gbps"].get(key, 0), r["bps"] / 1e9)
        out["rss_max_sender_kb"] = max(out["rss_max_sender_kb"], r["rss_max_a_kb"])
        out["rss_max_receiver_kb"] = max(out["rss_max_receiver_kb"], r["rss_max_b_kb"])
        out["rss_idle_kb"] = max(out["rss_idle_kb"], r["rss_idle_a_kb"], r["rss_idle_b_kb"])
        out["anon_max_kb"] = max(out["anon_max_kb"], r["anon_max_a_kb"], r["anon_max_b_kb"])
        out["anon_idle_kb"] = max(out["anon_idle_kb"], r["anon_idle_a_kb"], r["anon_idle_b_kb"])
    out["rss_max_kb"] = max(out["rss_max_sender_kb"], out["rss_max_receiver_kb"])
    # CPU time of both tunnel processes per Gbit/s carried: efficiency independent of who won the CPU.
    costs = [(r["cpu_s_sender"] + r["cpu_s_receiver"]) / seconds / r["gbps"] for r in out["runs"] if r["gbps"] > 0]
    out["cpu_cores_per_gbps"] = sum(costs) / len(costs) if costs else 0
    return out


def ratio(a, b):
    return a / b if b else None


def table(result):
    am, wg = result["implementations"]["anymesh-wg"], result["implementations"]["wireguard-go"]
    lines = ["| measure | anymesh-wg | wireguard-go | anymesh/wireguard-go |", "|---|---:|---:|---:|"]
    for p in sorted(am["best_gbps"], key=int):
        r = result["ratios"].get("throughput_p" + p)
        lines.append(f"| iperf3 TCP -P {p}, best Gbit/s | {am['best_gbps'][p]:.3f} | "
                     f"{wg['best_gbps'].get(p, 0):.3f} | {r:.2f}x |" if r else
                     f"| iperf3 TCP -P {p}, best Gbit/s | {am['best_gbps'][p]:.3f} | - | - |")
    for label, key in [("max RSS under load, MiB", "rss_max_kb"), ("  sender side (seals)", "rss_max_sender_kb"),
                       ("  receiver side (opens)", "rss_max_receiver_kb"), ("RSS after handshake, MiB", "rss_idle_kb"),
                       ("max RssAnon under load (heap, stacks), MiB", "anon_max_kb"),
                       ("RssAnon after handshake, MiB", "anon_idle_kb")]:
        r = ratio(am[key], wg[key])
        lines.append(f"| {label} | {am[key] / 1024:.1f} | {wg[key] / 1024:.1f} | {r:.2f}x |")
    r = ratio(am["cpu_cores_per_gbps"], wg["cpu_cores_per_gbps"])
    lines.append(f"| CPU cores (both tunnel processes) per Gbit/s, mean of runs | {am['cpu_cores_per_gbps']:.2f} | "
                 f"{wg['cpu_cores_per_gbps']:.2f} | {r:.2f}x |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--table")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--quick", type=int, default=0)
    ap.add_argument("--anymesh-wg", dest="amwg", required=True)
    ap.add_argument("--wireguard-go", dest="wggo", required=True)
    a = ap.parse_args()
    runs = load(a.records)
    if not runs:
        raise SystemExit("iperf_report.py: no runs recorded")
    result = {
        "benchmark": "iperf3",
        "machine": machine(),
        "settings": {"seconds_per_run": a.seconds, "quick": bool(a.quick),
                     "rounds": max(r["round"] for r in runs) + 1,
                     "parallel": sorted({r["parallel"] for r in runs}),
                     "direction": "client on side A (seals) to server on side B (opens), over a veth pair",
                     "rss": "VmRSS and RssAnon sampled every 50 ms during each iperf3 run, maximum over both sides "
                            "and all runs; idle = after the handshake, before iperf3"},
        "versions": {"anymesh-wg": version_of(a.amwg), "wireguard-go": version_of(a.wggo).strip()},
        "implementations": {impl: summarise(runs, impl, a.seconds) for impl in IMPLS},
    }
    am, wg = result["implementations"]["anymesh-wg"], result["implementations"]["wireguard-go"]
    result["ratios"] = {"throughput_p" + p: ratio(am["best_gbps"][p], wg["best_gbps"].get(p, 0))
                        for p in am["best_gbps"]}
    result["ratios"]["rss_max"] = ratio(am["rss_max_kb"], wg["rss_max_kb"])
    result["ratios"]["rss_idle"] = ratio(am["rss_idle_kb"], wg["rss_idle_kb"])
    result["ratios"]["anon_max"] = ratio(am["anon_max_kb"], wg["anon_max_kb"])
    result["ratios"]["anon_idle"] = ratio(am["anon_idle_kb"], wg["anon_idle_kb"])
    result["ratios"]["cpu_per_gbps"] = ratio(am["cpu_cores_per_gbps"], wg["cpu_cores_per_gbps"])
    with open(a.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    text = table(result)
    print(text, end="")
    if a.table:
        with open(a.table, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
