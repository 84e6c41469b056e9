"""Shared helpers of the end-to-end tests: run ariadne, parse its report."""
import os
import re
import subprocess
import sys

REPORT_LINE = re.compile(
    r"^\s*(?P<total>[\d.]+ \w+)\s+(?P<self>[\d.]+ \w+)\s+(?P<calls>\d+)\s+"
    r"(?P<avg>[\d.]+ \w+)\s+(?P<min>[\d.]+ \w+)\s+(?P<max>[\d.]+ \w+)\s+(?P<name>.+)$")


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def run(cmd, **kw):
    """Runs cmd, returns CompletedProcess with text output."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return r


def report_calls(ariadne, data, extra=()):
    """{function name: calls} from `ariadne report`."""
    r = run([ariadne, "report", *extra, data])
    if r.returncode != 0:
        fail(f"ariadne report exited {r.returncode}: {r.stderr}")
    calls = {}
    for line in r.stdout.splitlines():
        m = REPORT_LINE.match(line)
        if m:
            calls[m["name"]] = calls.get(m["name"], 0) + int(m["calls"])
    return calls, r.stdout


def calls_of(calls, short):
    """Calls of the function whose name contains `short(` (names are demangled with parameters)."""
    total = 0
    for name, n in calls.items():
        if name == short or re.search(r"(^|::)" + re.escape(short) + r"\(", name):
            total += n
    return total


def fresh_dir(path):
    if os.path.exists(path):
        subprocess.run(["rm", "-rf", path], check=True)
