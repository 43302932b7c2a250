# Bar charts (PNG, gnuplot) from the benchmark JSON: seal/open against raw AEAD, the gateway pipeline against raw
# AEAD and plain forwarding, its anycast paths, anymesh-wg against wireguard-go, and the failover gap per drill.
# Usage: plot.py [--seal seal_open.json] [--gateway gateway.json] [--iperf iperf.json]
#                [--failover failover.json [--failover-png NAME]] --out DIR
import argparse
import json
import os
import subprocess
import sys

COMMON = """set terminal pngcairo size 1000,560 enhanced font 'sans,11'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside top center horizontal
set bmargin 4
set yrange [0:*]
"""


def datablock(name, header, rows):
    lines = [f"${name} << EOD", "\t".join(f'"{h}"' for h in header)]
    for row in rows:
        lines.append("\t".join(f'"{v}"' if isinstance(v, str) else f"{v:.4f}" for v in row))
    lines.append("EOD")
    return "\n".join(lines) + "\n"


def gnuplot(script, out):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"plot.py: wrote {out}")


def seal_chart(path, out):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for r in data["results"]:
        label = f"{r['size']} B\\nseal {100 * r['seal_vs_raw']:.0f} %, open {100 * r['open_vs_raw']:.0f} %"
        if r["size"] == "imix":
            label = f"IMIX (avg {r['average_plaintext_bytes']:.0f} B)\\nseal {100 * r['seal_vs_raw']:.0f} %, " \
                    f"open {100 * r['open_vs_raw']:.0f} %"
        rows.append([label, r["raw_seal"]["gbps"], r["seal"]["gbps"], r["raw_open"]["gbps"], r["open"]["gbps"]])
    m = data["machine"]
    quick = " (QUICK RUN)" if data["settings"].get("quick") else ""
    script = COMMON + datablock("D", ["size", "raw seal", "Keypair::seal", "raw open", "Keypair::open"], rows)
    script += f"""set output '{out}'
set title "Tunnel core per core: Keypair seal/open vs raw ChaCha20-Poly1305{quick}\\n{m['cpu']}, {m['kernel']}, best of {data['settings']['repetitions']}"
set ylabel 'Gbit/s of plaintext (one thread)'
plot $D using 2:xtic(1) title columnheader(2) lc rgb '#9ecae1', \\
     '' using 3 title columnheader(3) lc rgb '#3182bd', \\
     '' using 4 title columnheader(4) lc rgb '#fdae6b', \\
     '' using 5 title columnheader(5) lc rgb '#e6550d'
"""
    gnuplot(script, out)


def gateway_size_name(r):
    """A gateway benchmark result's size as an axis label."""
    return f"IMIX (avg {r['average_ip_bytes']:.0f} B)" if r["size"] == "imix" else f"{r['size']} B"


def gateway_chart(path, out):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for r in data["results"]:
        name = gateway_size_name(r)
        q = r["ratios"]
        rows.append([f"{name}\\nseal {100 * q['seal_vs_raw']:.0f} %, open {100 * q['open_vs_raw']:.0f} %",
                     r["raw_seal"]["mpps"], r["seal"]["mpps_per_core"], r["raw_open"]["mpps"],
                     r["open"]["mpps_per_core"], r["relay_limit_mpps"], r["relay"]["mpps_per_core"]])
    m = data["machine"]
    s = data["settings"]
    quick = " (QUICK RUN)" if s.get("quick") else ""
    script = COMMON + datablock("G", ["size", "raw AEAD seal", "gateway seal", "raw AEAD open", "gateway open",
                                      "open+seal limit", "gateway relay"], rows)
    script += f"""set output '{out}'
set title "anymesh-gateway pipeline per worker core vs raw ChaCha20-Poly1305 on the same core{quick}\\n{m['cpu']}, {m['kernel']}, {s['workers']} worker(s), ring ports, best of {s['repetitions']}"
set ylabel 'Mpps per worker core'
plot $G using 2:xtic(1) title columnheader(2) lc rgb '#9ecae1', \\
     '' using 3 title columnheader(3) lc rgb '#3182bd', \\
     '' using 4 title columnheader(4) lc rgb '#fdae6b', \\
     '' using 5 title columnheader(5) lc rgb '#e6550d', \\
     '' using 6 title columnheader(6) lc rgb '#c7e9c0', \\
     '' using 7 title columnheader(7) lc rgb '#31a354'
"""
    gnuplot(script, out)


def anycast_chart(path, out):
    """The anycast paths of the gateway benchmark per worker CPU-second, next to the seal path."""
    with open(path) as f:
        data = json.load(f)
    rows = []
    for r in data["results"]:
        name = gateway_size_name(r)
        remote = r.get("anycast_remote", {})
        per_cpu = lambda p: p.get("per_cpu_second", {}).get("mpps", 0) if p.get("packets") else 0
        rows.append([name, per_cpu(r["seal"]), per_cpu(r["anycast_local"]), per_cpu(r["anycast_new_flows"]),
                     per_cpu(remote)])
    m = data["machine"]
    s = data["settings"]
    quick = " (QUICK RUN)" if s.get("quick") else ""
    script = COMMON + datablock("A", ["size", "seal", "anycast local (warm flows)", "anycast local (new flows)",
                                      "anycast remote (IP-in-IP, sealed; 0 = over the tunnel MTU)"], rows)
    script += f"""set output '{out}'
set title "anymesh-gateway anycast paths per worker CPU-second{quick}\\n{m['cpu']}, {m['kernel']}, {s['workers']} worker(s), ring ports, best of {s['repetitions']}"
set ylabel 'Mpps per worker CPU-second'
plot $A using 2:xtic(1) title columnheader(2) lc rgb '#3182bd', \\
     '' using 3 title columnheader(3) lc rgb '#31a354', \\
     '' using 4 title columnheader(4) lc rgb '#a1d99b', \\
     '' using 5 title columnheader(5) lc rgb '#e6550d'
"""
    gnuplot(script, out)


def iperf_chart(path, out):
    with open(path) as f:
        data = json.load(f)
    am = data["implementations"]["anymesh-wg"]
    wg = data["implementations"]["wireguard-go"]
    tput = []
    for p in sorted(am["best_gbps"], key=int):
        ratio = data["ratios"].get("throughput_p" + p) or 0
        tput.append([f"TCP -P {p}\\n{ratio:.2f}x", am["best_gbps"][p], wg["best_gbps"].get(p, 0)])
    mem = []
    for label, key, rkey in [("max RSS", "rss_max_kb", "rss_max"), ("max RssAnon", "anon_max_kb", "anon_max"),
                             ("idle RSS", "rss_idle_kb", "rss_idle")]:
        ratio = data["ratios"].get(rkey) or 0
        mem.append([f"{label}\\n{ratio:.2f}x", am[key] / 1024, wg[key] / 1024])
    m = data["machine"]
    quick = " (QUICK RUN)" if data["settings"].get("quick") else ""
    script = COMMON + datablock("T", ["run", "anymesh-wg", "wireguard-go"], tput)
    script += datablock("M", ["measure", "anymesh-wg", "wireguard-go"], mem)
    script += f"""set output '{out}'
set multiplot layout 1,2 title "anymesh-wg vs wireguard-go through a veth pair{quick}\\n{m['cpu']}, {m['nproc']} CPUs, {m['kernel']}, best of {data['settings']['rounds']}, {data['settings']['seconds_per_run']:g} s runs"
set ylabel 'iperf3 Gbit/s'
plot $T using 2:xtic(1) title columnheader(2) lc rgb '#3182bd', '' using 3 title columnheader(3) lc rgb '#e6550d'
set ylabel 'MiB per process (max of both sides)'
plot $M using 2:xtic(1) title columnheader(2) lc rgb '#3182bd', '' using 3 title columnheader(3) lc rgb '#e6550d'
unset multiplot
"""
    gnuplot(script, out)


def failover_chart(path, out):
    with open(path) as f:
        data = json.load(f)
    s = data["settings"]
    m = data["machine"]
    rows = [[str(d["drill"]), d["gap_ms"] if d["gap_ms"] is not None else 0.0] for d in data["per_drill"]]
    quick = " (QUICK RUN)" if s.get("quick") else ""
    median = data["median"] if data["median"] is not None else 0
    script = COMMON + datablock("F", ["drill", "failover gap"], rows)
    script += f"""set output '{out}'
set title "Failover gap per drill: r1-r3 blackholed {s['down_for_ms']} ms, {s['stream_pps']} pps stream r1 -> r3{quick}\\nmedian {data['median']} ms, p99 {data['p99']} ms, max {data['max']} ms; lost {data['lost_packets']} of {data['sent_packets']}; {m['cpu']}, {m['nproc']} CPUs"
set xlabel 'drill'
set xrange [-0.6:{len(rows) - 0.4}]
set ylabel 'longest receiver silence around the blackhole (ms)'
plot $F using 2:xtic(1) title columnheader(2) lc rgb '#3182bd', {median} with lines dt 2 lw 2 lc rgb '#e6550d' title 'median'
"""
    gnuplot(script, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seal")
    ap.add_argument("--gateway")
    ap.add_argument("--iperf")
    ap.add_argument("--failover")
    ap.add_argument("--failover-png", default="failover.png")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not a.seal and not a.iperf and not a.gateway and not a.failover:
        sys.exit("plot.py: give --seal, --gateway, --iperf and/or --failover")
    os.makedirs(a.out, exist_ok=True)
    if a.seal:
        seal_chart(a.seal, os.path.join(a.out, "seal_open.png"))
    if a.gateway:
        gateway_chart(a.gateway, os.path.join(a.out, "gateway.png"))
        anycast_chart(a.gateway, os.path.join(a.out, "anycast.png"))
    if a.iperf:
        iperf_chart(a.iperf, os.path.join(a.out, "iperf.png"))
    if a.failover:
        failover_chart(a.failover, os.path.join(a.out, a.failover_png))


if __name__ == "__main__":
    main()
