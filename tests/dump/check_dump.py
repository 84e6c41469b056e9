#!/usr/bin/env python3
"""`ariadne dump` on recordings written by make_dump_trace (TraceBuilder).

usage: check_dump.py CASE   with ARIADNE, MAKER (make_dump_trace) and WORK in the environment
CASE: chrome | folded | html | bad-input | damaged | corrupted | progress | streaming
"""
import json
import os
import re
import shutil
import subprocess
import sys

ARIADNE = os.environ["ARIADNE"]
MAKER = os.environ["MAKER"]
WORK = os.environ["WORK"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def make_trace(name, *how):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([MAKER, path, *how], check=True)
    return path


def dump(*args):
    r = subprocess.run([ARIADNE, "dump", *args], capture_output=True, timeout=120)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def check_pairs(doc):
    """Every B has its E on the same pid/tid, properly nested, time never
    going back. Returns the slices (pid, tid, name, depth, begin_us, end_us,
    args of B, args of E) and the other events."""
    stacks, last_ts, slices, others = {}, {}, [], []
    for e in doc["traceEvents"]:
        ph = e["ph"]
        if ph == "M":
            others.append(e)
            continue
        key = (e["pid"], e["tid"])
        ts = e["ts"]
        if ts < last_ts.get(key, 0):
            fail(f"{key}: time goes back to {ts} after {last_ts[key]}: {e}")
        last_ts[key] = ts
        if ph == "B":
            stacks.setdefault(key, []).append(e)
        elif ph == "E":
            if not stacks.get(key):
                fail(f"{key}: E without its B: {e}")
            b = stacks[key].pop()
            if b["name"] != e["name"]:
                fail(f"{key}: E of {e['name']} closes B of {b['name']}")
            slices.append((key[0], key[1], b["name"], len(stacks[key]), b["ts"], ts,
                           b.get("args", {}), e.get("args", {})))
        elif ph == "i":
            others.append(e)
        else:
            fail(f"unexpected phase {ph}: {e}")
    for key, st in stacks.items():
        if st:
            fail(f"{key}: B without E: {[b['name'] for b in st]}")
    return slices, others


def durations_ns(slices):
    return sorted((pid, tid, name, round((end - begin) * 1000)) for pid, tid, name, _, begin, end, _, _ in slices)


def case_chrome():
    # Each case its own trace: ctest runs the cases side by side.
    trace = make_trace("demo-chrome", "demo")
    out = os.path.join(WORK, "demo.json")
    rc, _, err = dump("--chrome", trace, "-o", out)
    if rc != 0:
        fail(f"exit {rc}: {err}")
    with open(out, encoding="utf-8") as f:
        doc = json.load(f)
    slices, others = check_pairs(doc)
    got = durations_ns(slices)
    want = sorted([(101, 101, "main", 140),  # inherited at the fork (1860), ended by the exec (2000)
        (100, 100, "main", 1000), (100, 100, "compute(int)", 300), (100, 100, "compute(int)", 300),
        (100, 100, "leaf", 100), (100, 100, "leaf", 50), (100, 100, "leaf", 50),
        (100, 102, "worker", 200), (100, 102, "leaf", 100),
        (101, 101, "compute(int)", 100), (101, 101, "other_main", 400), (101, 101, "leaf", 100)])
    if got != want:
        fail(f"slices (pid, tid, name, ns):\n got {got}\nwant {want}")
    depth = {(s[2], s[0], s[1]): s[3] for s in slices}
    if depth[("leaf", 100, 100)] != 2 or depth[("main", 100, 100)] != 0 or depth[("leaf", 100, 102)] != 1:
        fail(f"nesting depths: {depth}")
    compute = [s for s in slices if s[:3] == (100, 100, "compute(int)")]
    compute.sort(key=lambda s: s[4])
    if compute[0][6] != {"arg1": "7"} or compute[0][7] != {"retval": "49"}:
        fail(f"captured values: {compute[0]}")
    child_main = [s for s in slices if s[:3] == (101, 101, "main")][0]
    if child_main[7].get("incomplete") is not True:
        fail(f"the exec'd-away main is not marked incomplete: {child_main}")

    instants = sorted((e["pid"], e["tid"], e["name"], json.dumps(e.get("args", {}), sort_keys=True))
                      for e in others if e["ph"] == "i")
    for want_instant in [(100, 100, "signal", '{"signal": "SIGUSR1", "signo": 10}'),
                         (100, 100, "fork", '{"child_pid": 101}'),
                         (100, 100, "lost events", '{"count": 3}'),
                         (100, 102, "thread start", '{"parent_tid": 100}'),
                         (100, 102, "thread exit", '{}'),
                         (101, 101, "exec", '{"path": "/usr/bin/other"}')]:
        if want_instant not in instants:
            fail(f"instant event {want_instant} missing from {instants}")
    meta = {(e["name"], e["pid"], e["tid"]): e["args"]["name"] for e in others if e["ph"] == "M"}
    if meta.get(("process_name", 100, 0)) != "demo" or meta.get(("process_name", 101, 0)) != "demo -> other":
        fail(f"process names: {meta}")
    if meta.get(("thread_name", 100, 102)) != "thread 102" or meta.get(("thread_name", 100, 100)) != "demo":
        fail(f"thread names: {meta}")
    print(f"chrome: {len(doc['traceEvents'])} events, {len(slices)} calls paired, {len(instants)} instants")


def folded_lines(text):
    out = {}
    for line in text.decode().splitlines():
        stack, _, ns = line.rpartition(" ")
        out[stack] = out.get(stack, 0) + int(ns)
    return out


def case_folded():
    trace = make_trace("demo-folded", "demo")
    rc, out, err = dump("--flamegraph", trace)
    if rc != 0:
        fail(f"exit {rc}: {err}")
    got = folded_lines(out)
    want = {
        "demo [101];thread 101;main": 40,
        "demo [100];thread 100;main": 400,
        "demo [100];thread 100;main;compute(int)": 400,
        "demo [100];thread 100;main;compute(int);leaf": 200,
        "demo [100];thread 102;worker": 100,
        "demo [100];thread 102;worker;leaf": 100,
        "demo [101];thread 101;main;compute(int)": 100,
        "other [101];thread 101;other_main": 300,
        "other [101];thread 101;other_main;leaf": 100,
    }
    if got != want:
        fail(f"folded stacks:\n got {got}\nwant {want}")
    print(f"folded: {len(got)} stacks, self times sum to {sum(got.values())} ns")
    # --weight=calls: every path with its number of calls.
    rc, out, err = dump("--flamegraph", "--weight=calls", trace)
    if rc != 0:
        fail(f"--weight=calls: exit {rc}: {err}")
    calls = folded_lines(out)
    want_calls = {stack: 1 for stack in want}
    want_calls.update({"demo [100];thread 100;main;compute(int)": 2,
                       "demo [100];thread 100;main;compute(int);leaf": 3})
    if calls != want_calls:
        fail(f"folded stacks by calls:\n got {calls}\nwant {want_calls}")
    rc, _, err = dump("--chrome", "--weight=calls", trace)
    if rc != 2 or "--weight requires --flamegraph" not in err:
        fail(f"--weight without --flamegraph: exit {rc}: {err}")
    print(f"folded by calls: {len(calls)} stacks, {sum(calls.values())} calls")


def case_html():
    trace = make_trace("demo-html", "demo")
    out = os.path.join(WORK, "demo.html")
    rc, _, err = dump("--html", trace, "-o", out)
    if rc != 0:
        fail(f"exit {rc}: {err}")
    page = open(out, encoding="utf-8").read()
    if re.search(r"https?:", page, re.I):
        fail("the page refers to http(s)")
    if re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)\s*=", page, re.I):
        fail("the page loads something from outside")
    for name in ["compute(int)", "other_main", "thread 102", "demo -x"]:
        if name not in page:
            fail(f"{name!r} not in the page")
    print(f"html: {len(page)} bytes, self-contained")


def case_bad_input():
    empty = os.path.join(WORK, "not-a-recording")
    shutil.rmtree(empty, ignore_errors=True)
    os.makedirs(empty)
    for args, why in [(["--chrome", empty], "an empty directory"),
                      (["--flamegraph", os.path.join(WORK, "does-not-exist")], "a missing directory"),
                      (["--html", ARIADNE], "a file")]:
        rc, out, err = dump(*args)
        lines = err.strip().splitlines()
        if rc != 2 or len(lines) != 1 or out:
            fail(f"{why}: exit {rc}, stdout {len(out)} bytes, stderr {lines}")
        print(f"{why}: exit 2: {lines[0]}")
    rc, _, err = dump(empty)
    if rc != 2:
        fail(f"no format: exit {rc}: {err}")
    rc, _, err = dump("--chrome", "--html", empty)
    if rc != 2:
        fail(f"two formats: exit {rc}: {err}")


def case_damaged():
    trace = make_trace("damaged", "damaged")
    for fmt in ["--chrome", "--flamegraph", "--html"]:
        rc, out, err = dump(fmt, trace)
        if rc != 1:
            fail(f"{fmt}: exit {rc} (want 1): {err}")
        if "t100-1.seg.zst" not in err or "offset" not in err:
            fail(f"{fmt}: the problem does not name the file and offset: {err}")
        if fmt == "--chrome":
            slices, _ = check_pairs(json.loads(out))
            leaves = [s for s in slices if s[2] == "leaf"]
            if len(leaves) != 5:
                fail(f"intact calls missing: {len(leaves)} leaf calls of 5")
        elif fmt == "--flamegraph":
            if folded_lines(out).get("demo [100];thread 100;main;compute(int);leaf") != 200:
                fail(f"intact calls missing: {out.decode()}")
        elif b"compute(int)" not in out:
            fail("the page lost the intact calls")
    print(f"damaged: exit 1, {err.strip().splitlines()[0]}")


def case_corrupted():
    """Random single-byte corruptions of every kind of file: never a crash,
    the JSON always parses and pairs, the status says whether problems were found."""
    import random
    rng = random.Random(5)
    pristine = make_trace("corrupt-base", "demo")
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(pristine) for f in fs)
    statuses = {}
    for i in range(24):
        trace = os.path.join(WORK, "corrupt")
        shutil.rmtree(trace, ignore_errors=True)
        shutil.copytree(pristine, trace)
        victim = os.path.join(trace, os.path.relpath(files[i % len(files)], pristine))
        data = bytearray(open(victim, "rb").read())
        at = rng.randrange(min(len(data), 160))  # segments: the header and the events, not the zero fill
        data[at] ^= 1 << rng.randrange(8)
        open(victim, "wb").write(data)
        for fmt in ["--chrome", "--flamegraph"]:
            rc, out, err = dump(fmt, trace)
            what = f"{os.path.relpath(victim, trace)} byte {at}, {fmt}"
            if rc not in (0, 1):
                fail(f"{what}: exit {rc}: {err}")
            if rc == 1 and "offset" not in err:
                fail(f"{what}: problems without an offset: {err}")
            if fmt == "--chrome":
                check_pairs(json.loads(out))
            statuses[rc] = statuses.get(rc, 0) + 1
    print(f"corrupted: 48 dumps of 24 damaged recordings, exit statuses {statuses}, all output valid")


def case_progress():
    """A progress bar on stderr when it is a terminal (run under script(1)),
    erased at the end; none when it is not (every other case)."""
    trace = make_trace("progress", "big", "20000")
    r = subprocess.run(["script", "-qec", f"'{ARIADNE}' dump --chrome '{trace}' -o /dev/null", "/dev/null"],
                       capture_output=True, timeout=120)
    text = r.stdout.decode(errors="replace")
    if r.returncode != 0 or "\rdump [" not in text or not text.endswith("\r\033[K"):
        fail(f"no progress bar on a terminal: exit {r.returncode}, {text[-300:]!r}")
    rc, _, err = dump("--chrome", trace, "-o", os.devnull)
    if rc != 0 or err:
        fail(f"stderr not a terminal: exit {rc}, stderr {err!r}")
    print(f"progress: {text.count(chr(13) + 'dump [')} redraws on a terminal, erased at the end; none in a pipe")


def max_rss_kb(args):
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([ARIADNE, "dump", *args], stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        fail(f"dump {args}: {status}: {err}")
    return usage.ru_maxrss


def case_streaming():
    small = make_trace("big-small", "big", "20000")
    large = make_trace("big-large", "big", "400000")
    segments = sum(1 for _, _, fs in os.walk(large) for f in fs if ".seg" in f)
    out = os.path.join(WORK, "big.json")
    rss_small = max_rss_kb(["--chrome", small, "-o", os.devnull])
    rss_large = max_rss_kb(["--chrome", large, "-o", out])
    json_size = os.path.getsize(out)
    # 20 times the calls: the writer's memory must not follow.
    print(f"streaming: 400000 calls ({segments} segments, {json_size} bytes of JSON): max RSS "
          f"{rss_large} KiB; 20000 calls: {rss_small} KiB")
    if rss_large > rss_small + 8 * 1024:
        fail("memory grows with the trace")
    with open(out, encoding="utf-8") as f:
        tail = f.read()[-200:]
    if not tail.endswith("]}\n") or json_size < 400000 * 2 * 60:
        fail(f"the JSON looks cut short: {json_size} bytes, ends {tail!r}")
    os.remove(out)


CASES = {"chrome": case_chrome, "folded": case_folded, "html": case_html, "bad-input": case_bad_input,
         "damaged": case_damaged, "corrupted": case_corrupted, "progress": case_progress,
         "streaming": case_streaming}

if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    CASES[sys.argv[1]]()
