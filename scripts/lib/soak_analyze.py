#!/usr/bin/env python3
"""The soak's sampler and judge (scripts/soak.sh).

  soak_analyze.py monitor --csv F --start EPOCH --interval S --gen-pid PID --pid PID
                          --ctl BRIDGEHOSTCTL --socket SOCK --gen-log GEN_STDOUT
      every S seconds until the generator's run ends, and once after its
      drain ("final"), appends one row to F (a header first): bridgehost's
      `show stats` and `show ports` (mbufs in use, FDB size and counters, every
      drop reason summed over ports, the PMDs' imissed/rx_nombuf/errors), its
      VmRSS, and the generator's latest progress line.
  soak_analyze.py check --csv F --macs N --churn N --aging S [options]
      prints a summary table and every rule broken; exit 1 if any was.

The rules (all on the CSV; "post" = run-phase samples at t >= warm-up):
  alive     every sample answered (bridgehost running, its socket answering).
  growth    for mbufs in use and RSS, over post: rise = max(last third) -
            max(first third), and trend = least-squares slope x post's span;
            either above the metric's slack fails.
  fdb band  every post sample's FDB size within [macs + churn*(aging-2),
            macs + churn*(aging+3)]: the live set plus the silent MACs not yet
            aged (a MAC goes between aging-1 and aging+1 s after its last frame,
            plus up to ~1 s of aging scan).
  learning  learned - macs (the primed set) equals the generator's replaced
            MACs within churn*2 (every new MAC learned once, none twice) and
            aged is at most replaced (no live MAC aged) and at least
            replaced - churn*(aging+3) (every silent MAC went).
  drops     any drop reason, FDB loss counter (table_full, evicted,
            learn_ring_full) or PMD counter (imissed, rx_nombuf, ierrors,
            oerrors) above 0 fails unless allowed with --allow-drop NAME (any
            number) or NAME:PPM (at most PPM per million frames sent).
  loss      the generator's final loss (tx - rx after its drain) must equal the
            frames bridgehost counted as dropped (drops + imissed + rx_nombuf);
            misdelivered frames must be 0; the generator must have finished.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time

# Counters that must stay 0 at a steady, gentle rate with an ample table.
FDB_LOSS = ["table_full", "evicted", "limit_refused", "limit_evicted"]
DEV = ["imissed", "rx_nombuf", "ierrors", "oerrors"]


def ctl(args, cmd):
    out = subprocess.run([args.ctl, "--socket", args.socket, "--timeout", "5", *cmd, "--json"],
                         capture_output=True, text=True, timeout=15)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or f"bridgehostctl exit {out.returncode}")
    return json.loads(out.stdout)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


GEN_RE = re.compile(r"progress t=([\d.]+) tx=(\d+) rx=(\d+) misdelivered=(\d+) replaced=(\d+)( done)?")


def gen_progress(path):
    last = None
    try:
        with open(path) as f:
            for line in f:
                m = GEN_RE.search(line)
                if m:
                    last = m
    except OSError:
        pass
    if not last:
        return {"gen_t": 0, "gen_tx": 0, "gen_rx": 0, "gen_misdelivered": 0, "gen_replaced": 0,
                "gen_done": 0}
    return {"gen_t": float(last.group(1)), "gen_tx": int(last.group(2)),
            "gen_rx": int(last.group(3)), "gen_misdelivered": int(last.group(4)),
            "gen_replaced": int(last.group(5)), "gen_done": int(bool(last.group(6)))}


def sample(args, t, phase):
    # Every column is in the first row (the soak samples a running switch
    # first), so a later row never adds one.
    row = {"t_s": round(t, 1), "phase": phase, "alive": 0, "error": ""}
    # The generator first: a sample taken after its run ended is not a run sample.
    gen = gen_progress(args.gen_log)
    if gen["gen_done"]:
        row["phase"] = "final"
    rss = rss_kib(args.pid)
    try:
        if rss is None:
            raise RuntimeError(f"process {args.pid} gone")
        stats = ctl(args, ["show", "stats"])
        ports = ctl(args, ["show", "ports"])
        row["alive"] = 1
        row["rss_kib"] = rss
        row["mbufs_in_use"] = stats["mbufs_in_use"]
        fdb = stats["fdb"]
        for k in ["entries", "learned", "aged", "moved", "flushed", "learn_ring_full"] + FDB_LOSS:
            if k in fdb:
                row[f"fdb_{k}"] = fdb[k]
        row["fdb_learn_ring_full"] = sum(w["learn_ring_full"] for w in ctl(args, ["show", "workers"]))
        reasons = {}
        for p in stats["ports"].values():
            for r, n in p["drops"].items():
                reasons[r] = reasons.get(r, 0) + n
        for r in sorted(reasons):
            row[f"drop_{r}"] = reasons[r]
        for k in DEV:
            row[f"dev_{k}"] = sum(p["device_stats"][k] for p in ports)
    except (RuntimeError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        row["alive"] = 0
        row["error"] = str(e)[:200]
    row.update(gen)
    new = not os.path.exists(args.csv) or os.path.getsize(args.csv) == 0
    if new:
        header = list(row.keys())
    else:
        with open(args.csv) as f:
            header = next(csv.reader(f))
    with open(args.csv, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerow(row)
    if row["alive"] == 0:
        print(f"soak: sample at t={t:.1f}: bridgehost not answering: {row.get('error')}",
              file=sys.stderr)
    return row


def monitor(args):
    """Samples every --interval s from --start (epoch seconds) until the
    generator's final progress line, then once more; prints each sample."""
    print(f"{'t_s':>8} {'mbufs':>8} {'fdb':>8} {'rss_kib':>9} {'gen_tx':>12} {'in_flight':>10}"
          f" {'drops':>8}", flush=True)
    k = 0
    while True:
        t = time.time() - args.start
        if gen_progress(args.gen_log)["gen_done"] or not os.path.exists(f"/proc/{args.gen_pid}"):
            break
        if t >= k * args.interval:
            r = sample(args, t, "run")
            drops = sum(v for key, v in r.items() if key.startswith("drop_"))
            print(f"{r['t_s']:>8} {r.get('mbufs_in_use', '-'):>8} {r.get('fdb_entries', '-'):>8}"
                  f" {r.get('rss_kib', '-'):>9} {r['gen_tx']:>12} {r['gen_tx'] - r['gen_rx']:>10}"
                  f" {drops:>8}", flush=True)
            if not r["alive"]:
                return 1
            k = int(t // args.interval) + 1  # a late sample does not make the next ones bunch up
        time.sleep(0.1)
    deadline = time.time() + 10
    while not gen_progress(args.gen_log)["gen_done"] and time.time() < deadline:
        time.sleep(0.1)
    r = sample(args, time.time() - args.start, "final")
    return 0 if r["alive"] else 1


# ---------------------------------------------------------------- judging


def num(v):
    if v is None or v == "":
        return None
    return float(v)


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return 0.0 if sxx == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def growth(post, key):
    """(rise, trend) of a metric over the post-warm-up samples."""
    xs = [r["t_s"] for r in post]
    ys = [r[key] for r in post]
    third = max(1, len(ys) // 3)
    rise = max(ys[-third:]) - max(ys[:third])
    trend = slope(xs, ys) * (xs[-1] - xs[0])
    return rise, trend


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            d[k] = v if k in ("phase", "error") else num(v)
        out.append(d)
    return out


def judge(rows, a):
    """Returns (failures, summary lines)."""
    fails, lines = [], []
    if not rows:
        return ["no samples"], lines
    run = [r for r in rows if r["phase"] == "run"]
    final = [r for r in rows if r["phase"] == "final"]
    for r in rows:
        if not r.get("alive"):
            fails.append(f"bridgehost not running or not answering at t={r['t_s']:.0f} s"
                         f" ({r.get('error') or 'no reason'})")
            break
    live = [r for r in rows if r.get("alive")]
    warmup = a.warmup if a.warmup is not None else a.aging + 10
    post = [r for r in run if r.get("alive") and r["t_s"] >= warmup]
    if len(post) < 6:
        fails.append(f"only {len(post)} samples after the {warmup:g} s warm-up; need 6 to judge a trend"
                     " (run longer or sample more often)")
    if not live:
        return fails, lines
    last = live[-1]
    # Growth.
    slack = {"mbufs_in_use": a.mbuf_slack, "rss_kib": a.rss_slack_kib}
    unit = {"mbufs_in_use": "mbufs", "rss_kib": "KiB"}
    lines.append(f"{'metric':<16} {'start':>10} {'end':>10} {'min':>10} {'max':>10} {'rise':>9} {'trend':>9}  slack")
    for key in ("mbufs_in_use", "rss_kib", "fdb_entries"):
        ys = [r[key] for r in run if r.get("alive")] or [0]
        rise = trend = float("nan")
        if len(post) >= 2:
            rise, trend = growth(post, key)
        lines.append(f"{key:<16} {ys[0]:>10.0f} {ys[-1]:>10.0f} {min(ys):>10.0f} {max(ys):>10.0f}"
                     f" {rise:>9.0f} {trend:>9.0f}  {slack.get(key, '')}")
        if key in slack and len(post) >= 6:
            if rise > slack[key]:
                fails.append(f"{key} grows: max of the last third of the samples after warm-up is"
                             f" {rise:.0f} {unit[key]} above the first third's (slack {slack[key]})")
            if trend > slack[key]:
                fails.append(f"{key} grows: least-squares trend {trend:.0f} {unit[key]} over"
                             f" {post[-1]['t_s'] - post[0]['t_s']:.0f} s after warm-up (slack {slack[key]})")
    # FDB band.
    lo = a.macs + a.churn * max(a.aging - 2, 0)
    hi = a.macs + a.churn * (a.aging + 3)
    lines.append(f"fdb band expected [{lo}, {hi}] after warm-up; seen "
                 f"[{min((r['fdb_entries'] for r in post), default=0):.0f}, "
                 f"{max((r['fdb_entries'] for r in post), default=0):.0f}]")
    for r in post:
        if not lo <= r["fdb_entries"] <= hi:
            fails.append(f"FDB size {r['fdb_entries']:.0f} at t={r['t_s']:.0f} s outside [{lo}, {hi}]"
                         f" (macs {a.macs} + churn {a.churn}/s x aging {a.aging} s)")
            break
    # Learning and aging.
    gen_last = rows[-1]
    replaced = gen_last["gen_replaced"]
    learned = last.get("fdb_learned", 0) - a.macs
    aged = last.get("fdb_aged", 0)
    lines.append(f"MACs: primed {a.macs}, replaced by the generator {replaced:.0f}, "
                 f"learned {last.get('fdb_learned', 0):.0f} in all, aged {aged:.0f}")
    if abs(learned - replaced) > 2 * a.churn:
        fails.append(f"learned {learned:.0f} MACs after priming, the generator introduced {replaced:.0f}"
                     f" (tolerance {2 * a.churn})")
    if aged > replaced:
        fails.append(f"aged {aged:.0f} MACs, more than the {replaced:.0f} that went silent: live MACs aged")
    if a.churn and final and aged < replaced - a.churn * (a.aging + 3):
        fails.append(f"aged only {aged:.0f} of {replaced:.0f} silent MACs (expected at least"
                     f" {replaced - a.churn * (a.aging + 3):.0f}): silent MACs are not aging out")
    # Drops.
    counters = [k for k in last if k.startswith("drop_") or k.startswith("dev_")] + \
        [f"fdb_{k}" for k in FDB_LOSS + ["learn_ring_full"] if f"fdb_{k}" in last]
    allowed = {}  # name -> most allowed, in frames per million the generator sent
    for spec in a.allow_drop or []:
        name, _, ppm = spec.partition(":")
        allowed[name] = float(ppm) if ppm else float("inf")
    sent = rows[-1]["gen_tx"] or 0
    shown = []
    for k in counters:
        n = last.get(k) or 0
        name = k.split("_", 1)[1]
        if n:
            shown.append(f"{name} {n:.0f}" + (f" ({1e6 * n / sent:.1f} ppm of sent)" if sent else ""))
            limit = allowed.get(name)
            first = next(r for r in live if (r.get(k) or 0) > 0)
            if limit is None:
                fails.append(f"unexpected drops: {name} {n:.0f} (first seen by t={first['t_s']:.0f} s)")
            elif n > limit * sent / 1e6:
                fails.append(f"too many drops: {name} {n:.0f}, {1e6 * n / max(sent, 1):.1f} ppm of the"
                             f" frames sent, above the {limit:g} ppm allowed")
    lines.append("drops by reason: " + (", ".join(shown) if shown else "none"))
    # Generator loss.
    tx, rx = gen_last["gen_tx"], gen_last["gen_rx"]
    lost = tx - rx
    explained = sum(last.get(k) or 0 for k in last if k.startswith("drop_")) + \
        (last.get("dev_imissed") or 0) + (last.get("dev_rx_nombuf") or 0)
    lines.append(f"generator: sent {tx:.0f}, received {rx:.0f}, lost {lost:.0f} "
                 f"({100 * lost / tx if tx else 0:.4f} %), misdelivered "
                 f"{gen_last['gen_misdelivered']:.0f}; bridgehost counted {explained:.0f} dropped")
    if not gen_last.get("gen_done"):
        fails.append("the generator did not finish its run (no final progress line)")
    if gen_last["gen_misdelivered"]:
        fails.append(f"{gen_last['gen_misdelivered']:.0f} frames arrived on the wrong side")
    if lost > explained:
        fails.append(f"{lost - explained:.0f} frames lost that no drop counter explains"
                     f" (lost {lost:.0f}, counted {explained:.0f})")
    elif lost < 0:
        fails.append(f"{-lost:.0f} more frames received than sent")
    return fails, lines


def check(args):
    rows = load(args.csv)
    fails, lines = judge(rows, args)
    for line in lines:
        print(line)
    for f in fails:
        print(f"FAIL: {f}")
    print("soak: " + ("PASS" if not fails else f"FAIL ({len(fails)} rule(s) broken)"))
    return 1 if fails else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("monitor")
    s.add_argument("--csv", required=True)
    s.add_argument("--start", type=float, required=True)
    s.add_argument("--interval", type=float, required=True)
    s.add_argument("--gen-pid", type=int, required=True)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--ctl", required=True)
    s.add_argument("--socket", required=True)
    s.add_argument("--gen-log", required=True)
    c = sub.add_parser("check")
    c.add_argument("--csv", required=True)
    c.add_argument("--macs", type=int, required=True)
    c.add_argument("--churn", type=int, required=True)
    c.add_argument("--aging", type=int, required=True)
    c.add_argument("--warmup", type=float)
    c.add_argument("--mbuf-slack", type=int, default=256)
    c.add_argument("--rss-slack-kib", type=int, default=4096)
    c.add_argument("--allow-drop", action="append")
    a = p.parse_args(argv)
    return monitor(a) if a.cmd == "monitor" else check(a)


if __name__ == "__main__":
    sys.exit(main())
