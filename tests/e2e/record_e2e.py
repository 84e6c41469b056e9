"""End to end: `ariadne record` the bundled multi-threaded example that also
forks and execs (examples/forkexec), then check every analysis command
against the counters the program printed itself.
  record_e2e.py ARIADNE FORKEXEC WORKDIR
Exits 0 with "record_e2e: OK"; the HTML check is skipped (said so) only
when chromium is missing."""
import json
import os
import re
import shutil
import sys

from e2e_common import calls_of, fail, fresh_dir, report_calls, run

ariadne, prog, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
data = os.path.join(work, "forkexec.data")
fresh_dir(data)
FUNCS = ["main", "worker", "compute", "square", "child_work", "exec_work"]

# --- record ------------------------------------------------------------------
r = run([ariadne, "record", "-o", data, "--", prog])
print(r.stdout, r.stderr, sep="")
if r.returncode != 0:
    fail(f"ariadne record exited {r.returncode}")
want = {f: 0 for f in FUNCS}
images = 0
for line in r.stdout.splitlines():
    if line.startswith("counts "):
        images += 1
        for f in FUNCS:
            want[f] += int(re.search(rf"\b{f}=(\d+)", line).group(1))
if images != 3:
    fail(f"expected counter lines from 3 process images (main, fork child, exec'd), got {images}")

# --- report: call counts equal the program's own --------------------------------
calls, text = report_calls(ariadne, data)
got = {f: calls_of(calls, f) for f in FUNCS}
print("program:", want)
print("report: ", got)
if got != want:
    fail("report's call counts differ from the program's counters")

# --- info: three process images, the fork and the exec told apart --------------
r = run([ariadne, "info", data])
if r.returncode != 0 or r.stdout.count("\nProcess ") != 3 or "forked from" not in r.stdout:
    fail(f"info: expected 3 processes, one forked: {r.stdout}{r.stderr}")
execd = re.search(r"\nProcess (\d+)\.1: .*exec'd from (\S+)", r.stdout)
if not execd or execd.group(2) != execd.group(1):
    fail(f"info: the exec'd image <pid>.1 should say it was exec'd from <pid>: {r.stdout}")
print(f"info: 3 process images; {execd.group(1)}.1 exec'd from {execd.group(2)}")

# --- show: nesting --------------------------------------------------------------
r = run([ariadne, "show", data])
if r.returncode != 0:
    fail(f"show exited {r.returncode}: {r.stderr}")
checked = {"square": 0, "compute": 0}
parents = {"square": "compute", "compute": "worker"}
for section in r.stdout.split("\n# process ")[1:]:
    opened = []  # (depth, label) of the enclosing open calls
    for line in section.splitlines():
        if "| " not in line or line.lstrip().startswith("#"):
            continue
        body = line.split("| ", 1)[1]
        depth = (len(body) - len(body.lstrip(" "))) // 2
        label = body.strip()
        if label.startswith("}"):
            opened = [o for o in opened if o[0] < depth]
            continue
        if label.startswith("/*"):
            continue
        opened = [o for o in opened if o[0] < depth]
        for child, parent in parents.items():
            if re.match(rf"{child}\(", label):
                if not opened or not re.match(rf"{parent}\(", opened[-1][1]) or opened[-1][0] != depth - 1:
                    fail(f"show: {label} is not nested directly in {parent}: enclosing {opened[-1:]}")
                checked[child] += 1
        if label.endswith("{"):
            opened.append((depth, label))
if checked["square"] != want["square"] or checked["compute"] != want["compute"]:
    fail(f"show: nested calls seen {checked}, expected square={want['square']} compute={want['compute']}")
print(f"show: {checked['compute']} compute() calls directly in worker(), {checked['square']} square() in compute()")

# --- graph ------------------------------------------------------------------------
r = run([ariadne, "graph", data, "worker"])
print(r.stdout)
lines = [l for l in r.stdout.splitlines() if not l.startswith("#")]
shape = [(re.sub(r"^\s*\S+ \S+\s+\d+ : ", "", l).replace("+-- ", "").strip(),
          int(l.split(":")[0].split()[-1])) for l in lines]
names = [(re.match(r"(\w+)\(", n).group(1), c) for n, c in shape]
expect = [("worker", want["worker"]), ("compute", want["compute"]), ("square", want["square"])]
if names != expect:
    fail(f"graph under worker: {names}, expected {expect}")

# --- dump --chrome: parses, every B/E pairs per thread ---------------------------------
chrome = os.path.join(work, "forkexec.json")
r = run([ariadne, "dump", "--chrome", data, "-o", chrome])
if r.returncode != 0:
    fail(f"dump --chrome exited {r.returncode}: {r.stderr}")
with open(chrome) as f:
    doc = json.load(f)
stacks, pairs, named = {}, 0, {f: 0 for f in FUNCS}
for e in doc["traceEvents"]:
    key = (e.get("pid"), e.get("tid"))
    if e["ph"] == "B":
        stacks.setdefault(key, []).append(e["name"])
    elif e["ph"] == "E":
        if not stacks.get(key) or stacks[key].pop() != e["name"]:
            fail(f"chrome: unpaired E {e}")
        pairs += 1
        for fn in FUNCS:
            if re.match(rf"{fn}\(", e["name"]):
                named[fn] += 1
    elif e["ph"] == "X":
        pairs += 1
leftover = {k: v for k, v in stacks.items() if v}
if leftover:
    fail(f"chrome: B events without E: {leftover}")
if named["compute"] != want["compute"] or named["square"] != want["square"]:
    fail(f"chrome: slices {named}, expected compute/square {want['compute']}/{want['square']}")
print(f"chrome: {len(doc['traceEvents'])} events parse, {pairs} slices paired, compute {named['compute']}")

# --- dump --flamegraph ------------------------------------------------------------------
r = run([ariadne, "dump", "--flamegraph", data])
if r.returncode != 0 or not re.search(r"worker\([^;]*\);compute\([^;]*\);square\(", r.stdout):
    fail(f"flamegraph: no worker;compute;square stack: {r.stdout[:2000]}{r.stderr}")

# --- dump --html, rendered in headless Chromium ----------------------------------------
# One worker thread's page: in the whole recording, worker() is a sliver of
# main's time and too narrow to be drawn.
page = os.path.join(work, "forkexec.html")
r = run([ariadne, "info", data])
worker_tid = re.search(r"\n  Threads\s+\d+: \d+ (\d+)", r.stdout).group(1)
r = run([ariadne, "dump", "--html", "--tid", worker_tid, data, "-o", page])
if r.returncode != 0:
    fail(f"dump --html exited {r.returncode}: {r.stderr}")
if shutil.which("chromium") is None:
    print("html: chromium not installed, page not rendered (scripts/setup installs it)")
else:
    os.environ.setdefault("ARIADNE", ariadne)
    os.environ.setdefault("MAKER", "")
    os.environ.setdefault("WORK", work)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dump"))
    from check_html_page import render  # noqa: E402
    dom, parsed = render(page, "")
    texts = [f["text"] for f in parsed.frames]
    if not any(f["id"] == "root-frame" for f in parsed.frames):
        fail("html: no root frame in the rendered DOM")
    if not any(re.match(r"compute\(", t) for t in texts):
        fail(f"html: no compute() frame in the rendered DOM: {texts[:40]}")
    print(f"html: thread {worker_tid}: rendered {len(texts)} frames, root frame and compute() present")
print("record_e2e: OK")
