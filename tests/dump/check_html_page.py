#!/usr/bin/env python3
"""The page of `ariadne dump --html` rendered by headless Chromium: the DOM
after its script ran must hold the root frame, the recorded functions as
frames with their names as text, and, opened with #search=..., the matching
frames marked and the matched share of the time shown.

Environment: ARIADNE, MAKER (make_dump_trace), WORK. Exits 77 (skipped) only
when chromium is not installed (scripts/setup installs it).
"""
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile

ARIADNE = os.environ["ARIADNE"]
MAKER = os.environ["MAKER"]
WORK = os.environ["WORK"]
SKIP = 77


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Frames(html.parser.HTMLParser):
    """The frame elements (class "frame ...") with their text, and the #matched label."""

    def __init__(self):
        super().__init__()
        self.frames, self.matched, self._open = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "frame" in classes:
            self._open = {"id": a.get("id"), "classes": classes, "text": ""}
        elif a.get("id") == "matched":
            self.matched = a
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if self._open is not None and tag == "div":
            self.frames.append(self._open)
            self._open = None


def render(page, fragment):
    profile = tempfile.mkdtemp(prefix="ariadne-chromium-")
    try:
        r = subprocess.run(
            [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, "--dump-dom",
             "file://" + os.path.abspath(page) + fragment],
            capture_output=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode != 0:
        fail(f"chromium exit {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    dom = r.stdout.decode()
    parser = Frames()
    parser.feed(dom)
    return dom, parser


def main():
    if shutil.which("chromium") is None:
        print("SKIP: chromium is not installed (scripts/setup installs Debian's chromium package)")
        return SKIP
    os.makedirs(WORK, exist_ok=True)
    trace = os.path.join(WORK, "page-demo")
    shutil.rmtree(trace, ignore_errors=True)
    subprocess.run([MAKER, trace, "demo"], check=True)
    page = os.path.join(WORK, "page-demo.html")
    subprocess.run([ARIADNE, "dump", "--html", trace, "-o", page], check=True)
    folded = subprocess.run([ARIADNE, "dump", "--flamegraph", trace], check=True, capture_output=True)
    all_ns = sum(int(line.rpartition(" ")[2]) for line in folded.stdout.decode().splitlines())

    dom, parsed = render(page, "")
    if re.search(r"https?:", dom, re.I):
        fail("the rendered page refers to http(s)")
    texts = [f["text"] for f in parsed.frames]
    root = [f for f in parsed.frames if f["id"] == "root-frame"]
    if len(root) != 1 or root[0]["text"] != "all":
        fail(f"no root frame 'all' in the DOM; frames: {texts}")
    for name in ["demo [100]", "thread 102", "main", "compute(int)", "leaf", "other [101]", "other_main"]:
        if name not in texts:
            fail(f"no frame {name!r} in the DOM; frames: {texts}")
    if any("match" in f["classes"] for f in parsed.frames):
        fail("frames marked without a search")
    print(f"rendered: {len(parsed.frames)} frames, root 'all', e.g. {texts[3:7]}")

    # leaf: three call paths (under compute, worker and other_main), 400 ns of all_ns.
    _, parsed = render(page, "#search=leaf")
    marked = sorted(f["text"] for f in parsed.frames if "match" in f["classes"])
    want_percent = f"{100 * 400 / all_ns:.2f}"
    if marked != ["leaf"] * 3:
        fail(f"#search=leaf marked {marked}")
    if parsed.matched is None or parsed.matched.get("data-percent") != want_percent \
            or parsed.matched.get("data-frames") != "3":
        fail(f"#search=leaf: matched label {parsed.matched}, want {want_percent}% of {all_ns} ns")
    print(f"#search=leaf: 3 frames marked, matched {want_percent}%")

    # A regex, and a match inside a match counted once: compute(int) holds leaf.
    _, parsed = render(page, "#search=" + "compute%7Cleaf")
    marked = sorted(f["text"] for f in parsed.frames if "match" in f["classes"])
    want_percent = f"{100 * (600 + 100 + 100 + 100) / all_ns:.2f}"
    if marked != ["compute(int)"] * 2 + ["leaf"] * 3 or parsed.matched.get("data-percent") != want_percent:
        fail(f"#search=compute|leaf marked {marked}, label {parsed.matched}, want {want_percent}%")
    print(f"#search=compute|leaf: 5 frames marked, matched {want_percent}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
