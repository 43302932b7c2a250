#!/usr/bin/python3
"""Judges a lab/soak run from its results directory: memory growth per process, loss against the
measured failover gaps, stuck sessions. Writes soak.json and summary.md there, prints the summary
and exits 1 when a check failed.

usage: soak_report.py DIR                one verdict over the whole run
       soak_report.py --segment DIR NNN  one progress line for traffic segment NNN

Bounds (documented in docs/lab.md, "Soak"):
- memory: a process fails when, after the warm-up, it grew by more than 8 MiB AND more than 10 %
  (start = median of the first 3 samples after the warm-up, end = median of the last 3); the same
  for its hugetlb pages and for the host's hugepages in use; open fds: more than 64 AND 50 %.
- stream loss <= sum over failovers of (gap ms x packets per ms) + 10 packets per failover + 0.01 %
  of what was sent; every failover must show a gap (the blackhole cut the path) of at most 250 ms.
- loadgen (VIP) loss <= per failover, per flow, (gap + 20 ms) / interval + 1 probes; no TCP flow
  broken, no flow left with an open gap (unanswered at its end).
- end: every lane up, every gateway connected to the controller, which has every gateway acked at
  the latest version it sent (applied, from the gateway's last report, may trail by one report)."""
import glob
import json
import math
import os
import statistics
import sys

GROWTH_KIB = 8 * 1024
GROWTH_SHARE = 0.10
FD_GROWTH = 64
FD_SHARE = 0.50
SLACK_PER_FAILOVER = 10
SLACK_SHARE = 0.0001
FAILOVER_GAP_LIMIT_MS = 250.0
# A failover's gaps: gaps of at least 10 ms (shorter ones are the VM's scheduling, nothing is lost) that start from just before the blackhole to a second after it is lifted.
GAP_BEFORE_NS = 50_000_000
GAP_AFTER_LIFT_NS = 1_000_000_000
FAILOVER_GAP_MIN_NS = 10_000_000


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def read_lines(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a line cut short by the end of the run
    return out


def segment(d, tag, events, run):
    """Stream and loadgen figures of one traffic segment, with its failovers' gaps."""
    send = load(f"{d}/segments/{tag}.send.json", {})
    recv = load(f"{d}/segments/{tag}.recv.json", {})
    lg = load(f"{d}/segments/{tag}.loadgen.json", {})
    index = int(tag)
    pps_per_ms = run.get("stream_pps", 1000) / 1000.0
    sent, received = send.get("sent", 0), recv.get("packets", 0)
    seg = {"segment": index, "stream": {"sent": sent, "received": received, "lost": sent - received,
                                         "reordered": recv.get("reordered", 0), "ok": bool(send) and bool(recv)},
           "failovers": [], "restarts": [], "rotations": []}
    gaps = recv.get("gaps", [])
    for e in events:
        if e.get("segment") != index:
            continue
        if e["kind"] == "failover":
            lo, hi = e["t_ns"] - GAP_BEFORE_NS, e["t_ns"] + e["down_for_ms"] * 1_000_000 + GAP_AFTER_LIFT_NS
            mine = [(b - a) / 1e6 for a, b in gaps if lo <= a <= hi and b - a >= FAILOVER_GAP_MIN_NS]
            seg["failovers"].append({"t_ns": e["t_ns"], "gaps_ms": [round(g, 1) for g in mine],
                                     "gap_ms": round(mine[0], 1) if mine else None,
                                     "gap_sum_ms": round(sum(mine), 1),
                                     "allowed_loss": sum(mine) * pps_per_ms + SLACK_PER_FAILOVER})
        elif e["kind"] == "key_rotation":
            seg["rotations"].append({"region": e["region"], "ms": e["ms"], "ok": e["ok"]})
        elif e["kind"] == "controller_restart":
            seg["restarts"].append({"gone": e["gateways_saw_it_gone"], "reconnected": e["reconnected"],
                                    "reconnect_ms": round((e["synced_ns"] - e["start_ns"]) / 1e6)})
    other = [(b - a) / 1e6 for a, b in gaps]
    seg["stream"]["longest_gap_ms"] = round(max(other), 1) if other else 0.0
    flows = lg.get("flows", [])
    interval = lg.get("interval_ms", run.get("loadgen", {}).get("interval_ms", 20))
    lg_sent = sum(f["sent"] for f in flows)
    lg_received = sum(f["received"] for f in flows)
    allowed = sum(len(flows) * (math.ceil((f["gap_sum_ms"] + 20) / interval) + 1) for f in seg["failovers"])
    seg["loadgen"] = {"flows": len(flows), "sent": lg_sent, "received": lg_received, "lost": lg_sent - lg_received,
                      "allowed_loss": allowed, "broken": sum(1 for f in flows if f.get("error")),
                      "open_gaps": sum(1 for f in flows for g in f.get("gaps", []) if g.get("open")),
                      "backend_changes": sum(len(f.get("changes", [])) for f in flows),
                      "max_gap_ms": round(lg.get("summary", {}).get("max_gap_ms", 0.0), 1), "ok": bool(lg)}
    return seg


def segment_line(seg):
    s, lg = seg["stream"], seg["loadgen"]
    fo = "; ".join(f"failover gap {f['gap_ms']} ms" + (f" (+{f['gaps_ms'][1:]})" if len(f["gaps_ms"]) > 1 else "")
                   if f["gap_ms"] is not None else "failover: NO GAP" for f in seg["failovers"])
    return (f"segment {seg['segment']}: stream sent {s['sent']} lost {s['lost']}" + (f"; {fo}" if fo else "") +
            f"; VIP {lg['flows']} flows sent {lg['sent']} lost {lg['lost']}, broken {lg['broken']}, "
            f"open gaps {lg['open_gaps']}")


def series(samples, warmup_s):
    """Per process incarnation (name, pid): RSS, hugetlb and fd figures after its warm-up."""
    by = {}
    for s in samples:
        for name, p in s["procs"].items():
            by.setdefault((name, p["pid"]), []).append((s["t_ns"], p))
    out = []
    for (name, pid), points in sorted(by.items(), key=lambda kv: (kv[0][0], kv[1][0][0])):
        t0 = points[0][0]
        after = [(t, p) for t, p in points if t - t0 >= warmup_s * 1e9]
        row = {"process": name, "pid": pid, "samples": len(points), "minutes": round((points[-1][0] - t0) / 60e9, 1)}
        if len(after) < 6:
            row["verdict"] = "too short to judge"
            out.append(row)
            continue
        for key in ("rss_kib", "hugetlb_kib", "fds"):
            start = statistics.median(p[key] for _, p in after[:3])
            end = statistics.median(p[key] for _, p in after[-3:])
            row[key] = {"start": start, "end": end, "max": max(p[key] for _, p in after)}
        xs = [(t - after[0][0]) / 60e9 for t, _ in after]
        ys = [p["rss_kib"] for _, p in after]
        row["rss_slope_kib_per_min"] = round(statistics.linear_regression(xs, ys).slope, 1) if xs[-1] > 0 else 0.0
        problems = []
        for key in ("rss_kib", "hugetlb_kib"):
            grew = row[key]["end"] - row[key]["start"]
            if grew > GROWTH_KIB and grew > GROWTH_SHARE * row[key]["start"]:
                problems.append(f"{key} grew {grew:.0f} KiB")
        fd_grew = row["fds"]["end"] - row["fds"]["start"]
        if fd_grew > FD_GROWTH and fd_grew > FD_SHARE * row["fds"]["start"]:
            problems.append(f"open fds grew by {fd_grew:.0f}")
        row["verdict"] = "; ".join(problems) if problems else "ok"
        out.append(row)
    return out


def hugepages(samples, warmup_s):
    if not samples:
        return {}
    t0 = samples[0]["t_ns"]
    after = [s for s in samples if s["t_ns"] - t0 >= warmup_s * 1e9] or samples
    used = [(s["hugepages"]["total"] - s["hugepages"]["free"]) * s["hugepages"]["size_kib"] for s in after]
    start, end = statistics.median(used[:3]), statistics.median(used[-3:])
    grew = end - start
    bad = grew > GROWTH_KIB and grew > GROWTH_SHARE * max(start, 1)
    return {"start_kib": start, "end_kib": end, "max_kib": max(used), "verdict": f"grew {grew:.0f} KiB" if bad else "ok"}


def context(d, samples):
    """What the VM and the gateways went through: load average, backend health flaps, snapshots applied."""
    loads = [s["load1"] for s in samples if "load1" in s]
    ctx = {"load1_median": round(statistics.median(loads), 2) if loads else None,
           "load1_max": round(max(loads), 2) if loads else None, "gateways": {}}
    for path in sorted(glob.glob(f"{d}/logs/am-r*-gw-gateway.log")):
        with open(path, errors="replace") as f:
            text = f.read()
        region = os.path.basename(path).split("-")[1]
        ctx["gateways"][region] = {"health_changes": text.count("backend health changed"),
                                   "snapshots_applied": text.count("applied snapshot")}
    return ctx


def controller_acks(path):
    """Every gateway connected and acked at the version the controller last sent, from `anymesh status --controller`."""
    rows, problems = [], []
    if not os.path.exists(path):
        return rows, ["no controller status"]
    with open(path) as f:
        lines = f.read().splitlines()
    for line in lines[1:]:
        cols = line.split()
        if len(cols) >= 7 and cols[0].isdigit():
            gw, connected, sent, applied, acked = cols[0], cols[2], cols[4], cols[5], cols[6]
            rows.append({"gateway": int(gw), "connected": connected, "sent": sent, "applied": applied, "acked": acked})
            if connected != "yes":
                problems.append(f"gateway {gw} not connected to the controller")
            elif sent != acked or sent == "-":
                problems.append(f"gateway {gw}: sent v{sent}, acked v{acked}")
    if len(rows) != 3:
        problems.append(f"controller lists {len(rows)} gateways, not 3")
    return rows, problems


def judge(d):
    run = load(f"{d}/run.json", {})
    events = read_lines(f"{d}/events.jsonl")
    samples = read_lines(f"{d}/samples.jsonl")
    tags = sorted(os.path.basename(p).split(".")[0] for p in glob.glob(f"{d}/segments/*.send.json"))
    segs = [segment(d, t, events, run) for t in tags]
    warmup_s = min(60.0, max(20.0, 0.2 * run.get("seconds", 300)))
    procs = series(samples, warmup_s)
    huge = hugepages(samples, warmup_s)
    end = load(f"{d}/end_state.json", {})
    acks, ack_problems = controller_acks(f"{d}/end_controller_status.txt")
    ctx = context(d, samples)

    checks = []
    def check(name, ok, detail):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    failovers = [f for s in segs for f in s["failovers"]]
    restarts = [r for s in segs for r in s["restarts"]]
    sent = sum(s["stream"]["sent"] for s in segs)
    lost = sum(s["stream"]["lost"] for s in segs)
    allowed = sum(f["allowed_loss"] for f in failovers) + SLACK_SHARE * sent
    gap_sum = sum(f["gap_sum_ms"] for f in failovers)
    check("traffic ran in every segment", segs and all(s["stream"]["ok"] and s["loadgen"]["ok"] for s in segs),
          f"{len(segs)} segments")
    check("every failover cut the stream and it recovered within 250 ms",
          failovers and all(f["gap_ms"] is not None and max(f["gaps_ms"]) <= FAILOVER_GAP_LIMIT_MS for f in failovers),
          f"{len(failovers)} failovers, gaps {[f['gaps_ms'] for f in failovers]} ms")
    check("stream loss within the failover gaps", lost <= allowed,
          f"lost {lost} of {sent}; allowed {allowed:.0f} (gaps {gap_sum:.1f} ms at {run.get('stream_pps', 1000)} pps + slack)")
    lg_lost = sum(s["loadgen"]["lost"] for s in segs)
    lg_allowed = sum(s["loadgen"]["allowed_loss"] for s in segs)
    check("VIP (loadgen) loss within the failover gaps", lg_lost <= lg_allowed,
          f"lost {lg_lost} of {sum(s['loadgen']['sent'] for s in segs)} probes; allowed {lg_allowed}")
    check("no VIP flow broken or left unanswered",
          all(s["loadgen"]["broken"] == 0 and s["loadgen"]["open_gaps"] == 0 for s in segs),
          f"broken {sum(s['loadgen']['broken'] for s in segs)}, open gaps {sum(s['loadgen']['open_gaps'] for s in segs)}")
    check("every controller restart: every gateway saw it go and reconnected",
          all(r["reconnected"] and r["gone"] == 3 for r in restarts),
          f"{len(restarts)} restarts, gone at {[r['gone'] for r in restarts]} of 3 gateways, "
          f"reconnected {[r['reconnect_ms'] for r in restarts]} ms after start")
    rotations = [r for s in segs for r in s["rotations"]]
    if run.get("key_rotation_every_s", 0) <= run.get("seconds", 0):
        check("every key rotation finished (its loss counts in the stream and VIP checks)",
              rotations and all(r["ok"] for r in rotations),
              f"{len(rotations)} rotations: " + ", ".join(f"{r['region']} {'ok' if r['ok'] else 'FAILED'} in {r['ms']} ms" for r in rotations))
    bad = [f"{p['process']} (pid {p['pid']}): {p['verdict']}" for p in procs if p["verdict"] not in ("ok", "too short to judge")]
    judged = sum(1 for p in procs if p["verdict"] != "too short to judge")
    check("no memory growth (RSS, hugetlb, fds)", not bad and judged > 0, "; ".join(bad) or f"{judged} processes judged")
    check("host hugepages in use do not grow", huge.get("verdict") == "ok",
          f"{huge.get('start_kib', 0) / 1024:.0f} -> {huge.get('end_kib', 0) / 1024:.0f} MiB")
    check("end: every lane up", end.get("lanes_ok"), f"{end.get('lanes_up')} of {end.get('lanes_total')} lanes up")
    check("end: every gateway connected, latest version acked",
          end.get("connected_ok") and not ack_problems,
          "; ".join(ack_problems) or f"{end.get('gateways_connected')} of 3 connected; "
          + ", ".join(f"gw{a['gateway']} v{a['acked']}" for a in acks))

    report = {"run": run, "ok": all(c["ok"] for c in checks), "checks": checks, "segments": segs,
              "processes": procs, "hugepages": huge, "end_state": end, "controller": acks, "warmup_s": warmup_s,
              "context": ctx}
    with open(f"{d}/soak.json", "w") as f:
        json.dump(report, f, indent=1)
    md = markdown(report)
    with open(f"{d}/summary.md", "w") as f:
        f.write(md)
    print(md)
    return 0 if report["ok"] else 1


def markdown(r):
    run = r["run"]
    out = [f"# Soak: {run.get('seconds', 0) / 60:.0f} minutes -- {'PASS' if r['ok'] else 'FAIL'}", "",
           f"Failover (r1-r3 blackholed {run.get('down_for_ms')} ms) every {run.get('failover_every_s')} s, "
           f"controller restart every {run.get('controller_restart_every_s')} s, stream r1-be1 -> r3-be1 at "
           f"{run.get('stream_pps')} pps, loadgen client-1 -> VIP {run['loadgen']['udp']} UDP + "
           f"{run['loadgen']['tcp']} TCP flows every {run['loadgen']['interval_ms']} ms; memory sampled every "
           f"{run.get('sample_every_s')} s, warm-up {r['warmup_s']:.0f} s. Key rotation every {run.get('key_rotation_every_s')} s.", "",
           "| check | result | detail |", "|---|---|---|"]
    out += [f"| {c['check']} | {'ok' if c['ok'] else 'FAIL'} | {c['detail']} |" for c in r["checks"]]
    out += ["", "| segment | stream sent | lost | allowed | failover gaps (ms) | VIP probes sent | lost | allowed | VIP backend changes | controller restart |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for s in r["segments"]:
        allowed = sum(f["allowed_loss"] for f in s["failovers"])
        gaps = ", ".join(str(f["gaps_ms"]) for f in s["failovers"]) or "-"
        rs = ", ".join(f"reconnected in {x['reconnect_ms']} ms" if x["reconnected"] else "NOT reconnected"
                       for x in s["restarts"]) or "-"
        out.append(f"| {s['segment']} | {s['stream']['sent']} | {s['stream']['lost']} | {allowed:.0f} | {gaps} | "
                   f"{s['loadgen']['sent']} | {s['loadgen']['lost']} | {s['loadgen']['allowed_loss']} | "
                   f"{s['loadgen']['backend_changes']} | {rs} |")
    out += ["", "| process | pid | minutes | RSS start (MiB) | RSS end (MiB) | slope (KiB/min) | hugetlb (MiB) | fds | verdict |",
            "|---|---|---|---|---|---|---|---|---|"]
    for p in r["processes"]:
        if "rss_kib" not in p:
            out.append(f"| {p['process']} | {p['pid']} | {p['minutes']} | - | - | - | - | - | {p['verdict']} |")
            continue
        out.append(f"| {p['process']} | {p['pid']} | {p['minutes']} | {p['rss_kib']['start'] / 1024:.1f} | "
                   f"{p['rss_kib']['end'] / 1024:.1f} | {p['rss_slope_kib_per_min']} | "
                   f"{p['hugetlb_kib']['start'] / 1024:.0f} -> {p['hugetlb_kib']['end'] / 1024:.0f} | "
                   f"{p['fds']['start']:.0f} -> {p['fds']['end']:.0f} | {p['verdict']} |")
    h = r["hugepages"]
    if h:
        out += ["", f"Host hugepages in use: {h['start_kib'] / 1024:.0f} MiB after the warm-up, {h['end_kib'] / 1024:.0f} MiB "
                f"at the end (max {h['max_kib'] / 1024:.0f}): {h['verdict']}."]
    c = r["context"]
    out += ["", f"Context: host load average (1 min) median {c['load1_median']}, max {c['load1_max']} (2 cores); "
            + "; ".join(f"gateway {g}: {v['health_changes']} backend health changes, {v['snapshots_applied']} snapshots applied"
                        for g, v in c["gateways"].items()) + "."]
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) == 4 and argv[1] == "--segment":
        d = argv[2]
        print(segment_line(segment(d, argv[3], read_lines(f"{d}/events.jsonl"), load(f"{d}/run.json", {}))))
        return 0
    if len(argv) == 2:
        return judge(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
