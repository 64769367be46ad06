#!/usr/bin/env python3
"""Benchmark driver: measures, in one invocation and on one input, the
libpcap read-loop floor and kenchi's stages, and prints a Markdown table of
packets/s, Gbit/s, ratio to the floor and peak RSS (medians of --runs).

    python3 bench/run.py [--build build] [--repeat 10] [--runs 3] [--pcap FILE]
    python3 bench/run.py --app-only [--workers 1] ...   # rows (c) and (d) only
    python3 bench/run.py --sig [--rules-dir DIR] ...      # signatures: ET Open

--app-only measures just the foundation (c) and the full pipeline (d) with
--workers workers, the two alternating run by run (so a load that comes
and goes on a shared machine hits both alike), and prints their ratio.

--sig measures the signature engine with every DIR/*.rules (default: ET
Open in ../shared/data/rules/et-open), in alternating rounds: the floor,
kenchi without rules, kenchi with the rules on 1 and 2 workers (processing
rate from kenchi's own summary, which excludes rule loading), and start-up
with and without the rules on a 10-packet capture (their difference is the
cost of loading the rules), and a reload: the 1-worker run with the rules
again, sent SIGHUP --hup-after seconds after its rules are built, its
resident memory sampled before and after the signal.

Default input: ../shared/data/bench/mix.pcap.gz unpacked, repeated --repeat
times with ../shared/tools/pcaprep.c (copies are distinct flows). The floor
is ../shared/tools/pcaploop.c, compiled here with -O2.
"""
import argparse
import glob
import json
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
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


# Suricata 7.0.4 on the same machine kind, from ../shared/BASELINES.md:
# mix10 --runmode single with ET Open (19.3 s wall, 304 MiB peak) and
# start-up with ET Open (16.3 s, 245 MiB); its packets/s after start-up is
# mix10's packets over the difference, 19.3 - 16.3 = 3.0 s.
SURICATA = {"mix10_packets": 2589870, "et_wall_s": 19.3, "et_rss_mib": 304,
            "startup_s": 16.3, "startup_rss_mib": 245, "norules_pkts_per_s": 630e3}
SUMMARY_RE = re.compile(r"^kenchi: (\d+) packets, [\d.]+ MB in ([\d.]+) s \(.*CPU ([\d.]+) s\)", re.M)
RELOAD_RE = re.compile(r"^kenchi run: rules reloaded: .* built in ([\d.]+) s", re.M)
RULES_RE = re.compile(r"^kenchi run: rules: (\d+) loaded from (\d+) files?, (\d+) failed; "
                      r"(\d+) in the engine \((\d+) use keywords not matched yet, (\d+) "
                      r"protocols not parsed, (\d+) other\), (\d+) fast patterns in (\d+) databases "
                      r"\(([\d.]+) MiB\), built in ([\d.]+) s", re.M)


def child(cmd):
    """Runs cmd; returns a dict of wall s, CPU s (user + system), peak RSS
    KiB (the child's rusage) and, from kenchi's stderr, its processing time
    T, CPU and rule build figures when printed."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd), status, err[-2000:]))
    r = {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_kib": ru.ru_maxrss}
    parse_err(r, err)
    return r


def parse_err(r, err):
    """kenchi's summary, rule and reload lines from its stderr into r."""
    m = SUMMARY_RE.search(err)
    if m:
        r.update(packets=int(m.group(1)), proc_s=float(m.group(2)), kenchi_cpu_s=float(m.group(3)))
    m = RELOAD_RE.search(err)
    if m:
        r["reload_build_s"] = float(m.group(1))
    m = RULES_RE.search(err)
    if m:
        r["rules"] = {"loaded": int(m.group(1)), "files": int(m.group(2)),
                      "failed": int(m.group(3)), "in_engine": int(m.group(4)),
                      "skipped_keywords": int(m.group(5)), "skipped_protocols": int(m.group(6)),
                      "skipped_other": int(m.group(7)), "fast_patterns": int(m.group(8)),
                      "databases": int(m.group(9)), "db_mib": float(m.group(10)),
                      "build_s": float(m.group(11))}


def anon_rss_kib(pid):
    """The process's anonymous resident memory (heap, Hyperscan databases;
    not the pages of the mapped capture)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def child_reload(cmd, hup_after):
    """Runs cmd (kenchi with rules), sends it SIGHUP hup_after seconds after
    its rule line appears and samples RssAnon every 20 ms: returns child()'s
    figures plus the highest anonymous RSS before the signal (one rule set)
    and after it (during and after the reload)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = []
    built = threading.Event()

    def reader():
        for line in p.stderr:
            lines.append(line.decode())
            if lines[-1].startswith("kenchi run: rules:"):
                built.set()
    th = threading.Thread(target=reader)
    th.start()
    while not built.wait(0.1) and th.is_alive():
        pass
    hup_at = time.monotonic() + hup_after
    before = after = 0
    sent = False
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        rss = anon_rss_kib(p.pid)
        if not sent and built.is_set() and time.monotonic() >= hup_at:
            p.send_signal(signal.SIGHUP)
            sent = True
        if sent:
            after = max(after, rss)
        else:
            before = max(before, rss)
        time.sleep(0.02)
    p.returncode = status
    th.join()
    wall = time.monotonic() - t0
    err = "".join(lines)
    if status != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd), status, err[-2000:]))
    r = {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_kib": ru.ru_maxrss,
         "rss_before_hup_kib": before, "rss_after_hup_kib": after}
    parse_err(r, err)
    if "reload_build_s" not in r:
        sys.exit("bench: the reload did not finish before the end of the capture:\n" + err[-2000:])
    return r


def head_pcap(src, dst, n):
    """Writes the first n packets of the classic pcap src to dst."""
    with open(src, "rb") as f:
        hdr = f.read(24)
        endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
                  b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(hdr[:4])
        if endian is None:
            sys.exit("bench: %s is not a classic pcap file (pcapng not handled here)" % src)
        recs = []
        for _ in range(n):
            rh = f.read(16)
            if len(rh) < 16:
                break
            caplen = struct.unpack(endian + "IIII", rh)[2]
            recs.append(rh + f.read(caplen))
    with open(dst, "wb") as f:
        f.write(hdr + b"".join(recs))


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def sig_bench(args, kenchi, cap):
    """Floor, no rules, ET Open on 1 and 2 workers and start-up with and
    without the rules, alternating round by round; medians of args.runs."""
    rules = sorted(glob.glob(os.path.join(args.rules_dir, "*.rules")))
    cls = os.path.join(args.rules_dir, "classification.config")
    if not rules or not os.path.exists(cls):
        sys.exit("bench: no *.rules or classification.config in %s" % args.rules_dir)
    tiny = os.path.join(WORK, "head10.pcap")
    head_pcap(args.pcap or "/tmp/kenchi-mix.pcap", tiny, 10)
    _, _, o = timed([os.path.join(args.build, "bench", "kn_bench"), "read", cap])
    info = json.loads(o)
    pkts, nbytes = info["packets"], info["bytes"]

    base = [kenchi, "run", "--no-progress", "--stats-interval", "0", "-o", "file:/dev/null"]
    sig = [a for f in rules for a in ("-S", f)] + ["--classification", cls]
    cmds = {
        "floor": [tool("pcaploop"), cap],
        "none_w1": base + ["-w", "1", "-r", cap],
        "et_w1": base + ["-w", "1"] + sig + ["-r", cap],
        "et_w2": base + ["-w", "2"] + sig + ["-r", cap],
        "reload_w1": base + ["-w", "1"] + sig + ["-r", cap],
        "start_none": base + ["-w", "1", "-r", tiny],
        "start_et": base + ["-w", "1"] + sig + ["-r", tiny],
    }
    res = {k: [] for k in cmds}
    print("bench: %s (%d packets), %d rule files from %s" % (cap, pkts, len(rules), args.rules_dir),
          file=sys.stderr)
    for i in range(args.runs):
        for k, cmd in cmds.items():
            r = child_reload(cmd, args.hup_after) if k == "reload_w1" else child(cmd)
            if k.startswith(("none", "et", "reload")) and r.get("packets") != pkts:
                sys.exit("bench: %s read %s packets, expected %d" % (k, r.get("packets"), pkts))
            res[k].append(r)
            print("  round %d %-10s %7.3f s wall %7.3f s T %7.3f s CPU %6.0f MiB"
                  % (i + 1, k, r["wall_s"], r.get("proc_s", r["wall_s"]), r["cpu_s"],
                     r["rss_kib"] / 1024), file=sys.stderr)

    floor_pps = pkts / med(res["floor"], "wall_s")
    none_pps = pkts / med(res["none_w1"], "proc_s")
    start_cpu = med(res["start_et"], "cpu_s")
    rows = []
    names = {"floor": "(a) floor: libpcap read loop (pcaploop)",
             "none_w1": "(b) kenchi run, no rules, 1 worker",
             "et_w1": "(c) kenchi run, ET Open, 1 worker",
             "et_w2": "(c) kenchi run, ET Open, 2 workers"}
    for k, name in names.items():
        rs = res[k]
        proc = med(rs, "proc_s") if k != "floor" else med(rs, "wall_s")
        row = {"name": name, "wall_s": med(rs, "wall_s"), "proc_s": proc,
               "startup_s": med(rs, "wall_s") - proc if k != "floor" else 0.0,
               "cpu_s": med(rs, "cpu_s"), "peak_rss_kib": max(r["rss_kib"] for r in rs),
               "pkts_per_s": pkts / proc, "gbit_per_s": nbytes * 8 / proc / 1e9,
               "ratio_to_floor": pkts / proc / floor_pps,
               "ratio_to_no_rules": pkts / proc / none_pps if k != "floor" else None,
               "per_run_proc_s": [r.get("proc_s", r["wall_s"]) for r in rs]}
        if k.startswith("et"):
            # CPU of the processing alone: the run's CPU minus that of
            # start-up with the same rules (the 10-packet run).
            row["proc_cpu_s"] = row["cpu_s"] - start_cpu
            row["pkts_per_cpu_s"] = pkts / row["proc_cpu_s"]
        rows.append(row)

    st = {}
    for k in ("start_none", "start_et"):
        rs = res[k]
        st[k] = {"wall_s": med(rs, "wall_s"), "cpu_s": med(rs, "cpu_s"),
                 "peak_rss_kib": max(r["rss_kib"] for r in rs),
                 "per_run_wall_s": [r["wall_s"] for r in rs],
                 "per_run_rss_kib": [r["rss_kib"] for r in rs]}
    st["start_et"]["build_s"] = statistics.median(r["rules"]["build_s"] for r in res["start_et"])
    load = {"wall_s": st["start_et"]["wall_s"] - st["start_none"]["wall_s"],
            "cpu_s": st["start_et"]["cpu_s"] - st["start_none"]["cpu_s"],
            "rss_kib": st["start_et"]["peak_rss_kib"] - st["start_none"]["peak_rss_kib"]}
    rinfo = res["start_et"][-1]["rules"]
    rl = res["reload_w1"]
    reload = {"hup_after_s": args.hup_after, "build_s": med(rl, "reload_build_s"),
              "proc_s": med(rl, "proc_s"), "peak_rss_kib": max(r["rss_kib"] for r in rl),
              "anon_before_kib": max(r["rss_before_hup_kib"] for r in rl),
              "anon_after_kib": max(r["rss_after_hup_kib"] for r in rl),
              "per_run": [{k: r[k] for k in ("reload_build_s", "proc_s", "rss_kib",
                                              "rss_before_hup_kib", "rss_after_hup_kib")}
                          for r in rl]}
    reload["anon_added_kib"] = reload["anon_after_kib"] - reload["anon_before_kib"]
    sig_report(args, cap, pkts, nbytes, rows, st, load, rinfo, reload)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"input": cap, "packets": pkts, "bytes": nbytes, "runs": args.runs,
                       "rules_dir": args.rules_dir, "rule_files": len(rules), "rules": rinfo,
                       "rows": rows, "startup": st, "rule_load": load, "reload": reload,
                       "suricata": SURICATA,
                       "raw": res}, f, indent=1)


def sig_report(args, cap, pkts, nbytes, rows, st, load, rinfo, reload):
    print("\ninput: `%s`, %d packets, %.1f MB of packet data; median of %d alternating rounds\n"
          % (os.path.basename(cap), pkts, nbytes / 1e6, args.runs))
    print("rules: %d loaded from %d files, %d failed, %d in the engine (left out: %d use "
          "keywords not matched yet, %d protocols not parsed, %d other); %d fast patterns in "
          "%d Hyperscan databases (%.1f MiB)\n" % (
              rinfo["loaded"], rinfo["files"], rinfo["failed"], rinfo["in_engine"],
              rinfo["skipped_keywords"], rinfo["skipped_protocols"], rinfo["skipped_other"],
              rinfo["fast_patterns"], rinfo["databases"], rinfo["db_mib"]))
    print("| configuration | wall s | start-up s | processing s (T) | packets/s | Gbit/s "
          "| vs floor | vs no rules | CPU s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.3f | %.2f | %.3f | %.0f k | %.2f | %.3f | %s | %.2f | %.0f |" % (
            r["name"], r["wall_s"], r["startup_s"], r["proc_s"], r["pkts_per_s"] / 1e3,
            r["gbit_per_s"], r["ratio_to_floor"],
            "%.3f" % r["ratio_to_no_rules"] if r["ratio_to_no_rules"] else "-",
            r["cpu_s"], r["peak_rss_kib"] / 1024))
    print("\n| start-up (10-packet capture, 1 worker) | wall s | CPU s | peak RSS MiB |")
    print("|---|---|---|---|")
    for k, name in (("start_none", "(d) no rules"), ("start_et", "(d) ET Open")):
        print("| %s | %.3f | %.3f | %.0f |" % (name, st[k]["wall_s"], st[k]["cpu_s"],
                                             st[k]["peak_rss_kib"] / 1024))
    print("| **rule load** (difference) | %.3f | %.3f | %.0f |"
          % (load["wall_s"], load["cpu_s"], load["rss_kib"] / 1024))
    print("\nengine build (kenchi's own figure, part of the rule load): %.2f s"
          % st["start_et"]["build_s"])
    print("\nreload (SIGHUP %.1f s into the 1-worker run with the rules): rebuilt in %.2f s; "
          "anonymous RSS %.0f MiB before, %.0f MiB at most after (+%.0f MiB; the rules' own "
          "memory at start-up: %.0f MiB); peak RSS %.0f MiB vs %.0f without the reload; T %.2f s"
          % (reload["hup_after_s"], reload["build_s"], reload["anon_before_kib"] / 1024,
             reload["anon_after_kib"] / 1024, reload["anon_added_kib"] / 1024,
             load["rss_kib"] / 1024, reload["peak_rss_kib"] / 1024,
             rows[2]["peak_rss_kib"] / 1024, reload["proc_s"]))
    for r in rows:
        if "pkts_per_cpu_s" in r:
            print("%s: %.0f k packets per CPU second of processing (CPU %.2f s - start-up CPU)"
                  % (r["name"], r["pkts_per_cpu_s"] / 1e3, r["proc_cpu_s"]))
    s = SURICATA
    s_pps = s["mix10_packets"] / (s["et_wall_s"] - s["startup_s"])
    w1 = rows[2]
    print("\nagainst Suricata 7.0.4 (../shared/BASELINES.md; its packets/s is on mix10%s):"
          % ("" if pkts == s["mix10_packets"] else ", NOT this input"))
    print("- start-up with ET Open: %.2f s vs %.1f s = 1/%.1f (target <= 1/5); peak RSS %.0f MiB "
          "vs %d MiB = %.2f (target <= 0.5)" % (
              st["start_et"]["wall_s"], s["startup_s"], s["startup_s"] / st["start_et"]["wall_s"],
              st["start_et"]["peak_rss_kib"] / 1024, s["startup_rss_mib"],
              st["start_et"]["peak_rss_kib"] / 1024 / s["startup_rss_mib"]))
    print("- packets/s after start-up, 1 worker: %.0f k vs %.0f k (%d / (%.1f - %.1f) s) = %.2fx "
          "(target >= 2x); per CPU second %.2fx" % (
              w1["pkts_per_s"] / 1e3, s_pps / 1e3, s["mix10_packets"], s["et_wall_s"], s["startup_s"],
              w1["pkts_per_s"] / s_pps, w1["pkts_per_cpu_s"] / s_pps))


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
    ap.add_argument("--sig", action="store_true",
                    help="the signature engine: floor, no rules, rules on 1 and 2 workers, "
                         "start-up, reload")
    ap.add_argument("--hup-after", type=float, default=1.0,
                    help="--sig: seconds after the rules are built to send the reload's SIGHUP")
    ap.add_argument("--rules-dir", default=os.path.join(SHARED, "data", "rules", "et-open"),
                    help="every *.rules here and its classification.config (for --sig)")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    cap = input_capture(args)
    kenchi = os.path.join(args.build, "src", "cli", "kenchi")
    if args.app_only:
        app_only(args, kenchi, cap)
        return
    if args.sig:
        sig_bench(args, kenchi, cap)
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
