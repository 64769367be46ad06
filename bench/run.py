#!/usr/bin/env python3
"""Benchmark driver: measures, in one invocation and on one input, the
libpcap read-loop floor and kenchi's stages, and prints a Markdown table of
packets/s, Gbit/s, ratio to the floor and peak RSS (medians of --runs).

    python3 bench/run.py [--build build] [--repeat 10] [--runs 3] [--pcap FILE]
    python3 bench/run.py --app-only [--workers 1] ...   # rows (c) and (d) only

--app-only measures just the foundation (c) and the full pipeline (d) with
--workers workers, the two alternating run by run (so a load that comes
and goes on a shared machine hits both alike), and prints their ratio.

Default input: ../shared/data/bench/mix.pcap.gz unpacked, repeated --repeat
times with ../shared/tools/pcaprep.c (copies are distinct flows). The floor
is ../shared/tools/pcaploop.c, compiled here with -O2.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
WORK = os.path.join(tempfile.gettempdir(), "kenchi-bench")


def sh(cmd):
    subprocess.run(cmd, check=True)


def tool(name):
    src = os.path.join(SHARED, "tools", name + ".c")
    out = os.path.join(WORK, name)
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        sh(["cc", "-O2", "-o", out, src, "-lpcap"])
    return out


def input_capture(args):
    if args.pcap:
        return args.pcap
    mix = "/tmp/kenchi-mix.pcap"
    if not os.path.exists(mix):
        gz = os.path.join(SHARED, "data", "bench", "mix.pcap.gz")
        if not os.path.exists(gz):
            sys.exit("bench: %s not found; pass --pcap FILE" % gz)
        sh(["sh", "-c", "gunzip -c '%s' > '%s'" % (gz, mix)])
    if args.repeat <= 1:
        return mix
    rep = os.path.join(WORK, "mix%d.pcap" % args.repeat)
    if not os.path.exists(rep):
        sh([tool("pcaprep"), mix, rep, str(args.repeat)])
    return rep


def timed(cmd, env=None, cpu=None):
    """Runs cmd; returns (wall seconds, peak RSS KiB, stdout). cpu: a list
    that gets the CPU seconds (user + system) appended."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd), status, err.decode()[-2000:]))
    if cpu is not None:
        cpu.append(ru.ru_utime + ru.ru_stime)
    return wall, ru.ru_maxrss, out.decode()


def median_run(cmd, runs):
    res = [timed(cmd) for _ in range(runs)]
    walls = sorted(r[0] for r in res)
    return statistics.median(walls), max(r[1] for r in res), res[-1][2]


def app_only(args, kenchi, cap):
    """Rows (c) and (d) with args.workers workers, alternating run by run."""
    out = os.path.join(WORK, "out")
    os.makedirs(out, exist_ok=True)
    base = [kenchi, "run", "-q", "--no-progress", "--stats-interval", "0",
            "--no-decode-events", "-w", str(args.workers), "-l", out, cap]
    cmds = {"(c) foundation, no app layer": base[:-3] + ["--no-app-layer"] + base[-3:],
            "(d) + app layer, all parsers": base}
    res = {name: [] for name in cmds}
    for i in range(args.runs):
        for name, cmd in cmds.items():
            cpu = []
            wall, rss, _ = timed(cmd, cpu=cpu)
            os.unlink(os.path.join(out, "eve.json"))
            res[name].append((wall, rss, cpu[0]))
            print("  run %d %-30s %7.3f s wall %7.3f s cpu %6.0f MiB"
                  % (i + 1, name, wall, cpu[0], rss / 1024), file=sys.stderr)
    c, d = res.values()
    print("| configuration (%d worker%s) | wall s | CPU s | peak RSS MiB |"
          % (args.workers, "s" if args.workers > 1 else ""))
    print("|---|---|---|---|")
    for name, r in res.items():
        print("| %s | %.3f | %.3f | %.0f |" % (name, statistics.median(x[0] for x in r),
                                              statistics.median(x[2] for x in r),
                                              max(x[1] for x in r) / 1024))
    print("\n(d)/(c) packets/s, medians of %d runs: %.2f by wall time (per run %s), "
          "%.2f by CPU time" % (
              args.runs, statistics.median(x[0] for x in c) / statistics.median(x[0] for x in d),
              " ".join("%.2f" % (a[0] / b[0]) for a, b in zip(c, d)),
              statistics.median(x[2] for x in c) / statistics.median(x[2] for x in d)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pcap")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--app-only", action="store_true",
                    help="only rows (c) and (d), alternating, and their ratio")
    ap.add_argument("--workers", type=int, default=1, help="workers for --app-only")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    cap = input_capture(args)
    kenchi = os.path.join(args.build, "src", "cli", "kenchi")
    if args.app_only:
        app_only(args, kenchi, cap)
        return
    bench = os.path.join(args.build, "bench", "kn_bench")
    size = os.path.getsize(cap)
    out = os.path.join(WORK, "out")
    os.makedirs(out, exist_ok=True)

    # Packet and byte counts come from our reader (same as the floor's).
    _, _, o = timed([bench, "read", cap])
    info = json.loads(o)
    pkts, nbytes = info["packets"], info["bytes"]

    rows = []
    def add(name, cmd):
        wall, rss, _ = median_run(cmd, args.runs)
        rows.append({"name": name, "wall_s": wall, "peak_rss_kib": rss,
                     "pkts_per_s": pkts / wall, "gbit_per_s": nbytes * 8 / wall / 1e9})
        print("  %-44s %7.3f s %10.0f pkt/s" % (name, wall, pkts / wall), file=sys.stderr)

    print("bench: %s (%d packets, %d bytes of packet data)" % (cap, pkts, nbytes), file=sys.stderr)
    add("(a) floor: libpcap read loop (pcaploop)", [tool("pcaploop"), cap])
    add("kenchi reader only (kn_bench read)", [bench, "read", cap])
    add("(b) decode only (kn_bench decode)", [bench, "decode", cap])
    add("flows + TCP reassembly, no output (kn_bench flows)", [bench, "flows", cap])
    base = [kenchi, "run", "-q", "--no-progress", "--stats-interval", "0"]
    for w in (1, 2):
        add("(c) foundation: flow events, no app layer, %d worker%s" % (w, "s" if w > 1 else ""),
            base + ["--no-decode-events", "--no-app-layer", "-w", str(w), "-l", out, cap])
        os.unlink(os.path.join(out, "eve.json"))
    # The application layer: protocol detection and every parser, with
    # their events (dns, http, fileinfo, tls, ssh, smtp, dhcp, asset, vuln).
    for w in (1, 2):
        add("(d) + app layer, all parsers, %d worker%s" % (w, "s" if w > 1 else ""),
            base + ["--no-decode-events", "-w", str(w), "-l", out, cap])
        os.unlink(os.path.join(out, "eve.json"))
    # The default also logs one anomaly event per decoder event (mix.pcap
    # has ~53k malformed or odd headers, so ~20% of its packets).
    add("(c) + decoder anomaly events (the default), 1 worker", base + ["-l", out, cap])
    os.unlink(os.path.join(out, "eve.json"))
    floor = rows[0]["pkts_per_s"]
    for r in rows:
        r["ratio_to_floor"] = r["pkts_per_s"] / floor
    found = {r["name"][-8:]: r for r in rows if r["name"].startswith("(c) foundation")}
    app_ratio = {}
    for r in rows:
        if r["name"].startswith("(d)") and r["name"][-8:] in found:
            r["ratio_to_foundation"] = r["pkts_per_s"] / found[r["name"][-8:]]["pkts_per_s"]
            app_ratio[r["name"]] = r["ratio_to_foundation"]

    _, _, o = timed([bench, "flowmem", "1000000"])
    flowmem = json.loads(o)
    empty = os.path.join(WORK, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    starts = sorted(timed([kenchi, "run", "-q", "--no-progress", "-l", out, empty])[0] for _ in range(21))
    startup_ms = statistics.median(starts) * 1000

    print("\ninput: `%s`, %d packets, %.1f MB of packet data, file %.1f MB; median of %d runs\n"
          % (os.path.basename(cap), pkts, nbytes / 1e6, size / 1e6, args.runs))
    print("| configuration | wall s | packets/s | Gbit/s | vs floor | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.3f | %.2f M | %.2f | %.2f | %.0f |" % (
            r["name"], r["wall_s"], r["pkts_per_s"] / 1e6, r["gbit_per_s"],
            r["ratio_to_floor"], r["peak_rss_kib"] / 1024))
    for name, ratio in app_ratio.items():
        print("\n%s: %.2f of the foundation pipeline's packets/s (same workers)" % (name, ratio), end="")
    print()
    print("\nmemory per idle tracked flow (1M UDP flows, flow table's own account): "
          "%.1f bytes (sizeof struct kn_flow = %d)" % (flowmem["bytes_per_flow"], flowmem["sizeof_flow"]))
    print("start-up (kenchi run on an empty capture, median of 21): %.1f ms" % startup_ms)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"input": cap, "packets": pkts, "bytes": nbytes, "rows": rows,
                       "flowmem": flowmem, "startup_ms": startup_ms}, f, indent=1)


if __name__ == "__main__":
    main()
