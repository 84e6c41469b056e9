#!/usr/bin/env python3
"""The page of `ariadne dump --html` rendered by headless Chromium: the DOM
after its script ran must hold the root frame, the recorded functions as
frames with their names as text, and, opened with #search=..., the matching
frames marked and the matched share of the time shown; and driven by
page_harness.html, a click zooms, hovering shows calls/total/self, reset
zooms out and typing in the search box marks frames.

Environment: ARIADNE, MAKER (make_dump_trace), WORK. Exits 77 (skipped) only
when chromium is not installed (scripts/setup installs it).

For other tests (a page made from a real recording):
  check_html_page.py --page PAGE.html NAME...
renders PAGE and checks the root frame and a frame for each NAME.
"""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

ARIADNE = os.environ.get("ARIADNE", "ariadne")
MAKER = os.environ.get("MAKER", "")
WORK = os.environ.get("WORK", "")
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


def dump_dom(url, *flags):
    # The background-networking flags keep Chromium from trying to reach
    # Google's hosts on this closed network; a fresh profile every time.
    profile = tempfile.mkdtemp(prefix="ariadne-chromium-")
    try:
        r = subprocess.run(
            [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, *flags, "--dump-dom", url],
            capture_output=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode != 0:
        fail(f"chromium exit {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return r.stdout.decode()


def render(page, fragment):
    dom = dump_dom("file://" + os.path.abspath(page) + fragment)
    parser = Frames()
    parser.feed(dom)
    return dom, parser


def check_page(page, names):
    dom, parsed = render(page, "")
    if re.search(r"https?:", dom, re.I):
        fail("the rendered page refers to http(s)")
    texts = [f["text"] for f in parsed.frames]
    root = [f for f in parsed.frames if f["id"] == "root-frame"]
    if len(root) != 1 or root[0]["text"] != "all":
        fail(f"no root frame 'all' in the DOM; frames: {texts}")
    for name in names:
        if name not in texts:
            fail(f"no frame {name!r} in the DOM; frames: {texts}")
    return parsed


def main():
    if shutil.which("chromium") is None:
        print("SKIP: chromium is not installed (scripts/setup installs Debian's chromium package)")
        return SKIP
    if len(sys.argv) >= 3 and sys.argv[1] == "--page":
        parsed = check_page(sys.argv[2], sys.argv[3:])
        print(f"{sys.argv[2]}: {len(parsed.frames)} frames drawn, root 'all' and {sys.argv[3:]} among them")
        return 0
    os.makedirs(WORK, exist_ok=True)
    trace = os.path.join(WORK, "page-demo")
    shutil.rmtree(trace, ignore_errors=True)
    subprocess.run([MAKER, trace, "demo"], check=True)
    page = os.path.join(WORK, "page-demo.html")
    subprocess.run([ARIADNE, "dump", "--html", trace, "-o", page], check=True)
    folded = subprocess.run([ARIADNE, "dump", "--flamegraph", trace], check=True, capture_output=True)
    all_ns = sum(int(line.rpartition(" ")[2]) for line in folded.stdout.decode().splitlines())

    parsed = check_page(page, ["demo [100]", "thread 102", "main", "compute(int)", "leaf", "other [101]", "other_main"])
    texts = [f["text"] for f in parsed.frames]
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

    # Click, hover, reset and typing, driven by page_harness.html in an iframe.
    harness = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page_harness.html")
    page_url = urllib.parse.quote("file://" + os.path.abspath(page), safe="")
    dom = dump_dom(f"file://{harness}?page={page_url}", "--allow-file-access-from-files")
    m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    steps = json.loads(html.unescape(m.group(1))) if m else {"error": "no result"}
    if "error" in steps:
        fail(f"harness: {steps['error']}")
    zoomed = {f[0]: f[1:] for f in steps["zoomed"]["frames"]}
    if zoomed.get("compute(int)") != ["frame zoomed", "100%"] or zoomed.get("all", [""])[0] != "frame ancestor" \
            or zoomed.get("leaf") != ["frame", "33.3333%"] or "other_main" in zoomed:
        fail(f"click on compute(int) did not zoom into it: {steps['zoomed']['frames']}")
    hover = steps["hovered"]["details"]
    for part in ["leaf", "calls 3", "total 200 ns", "self 200 ns"]:
        if part not in hover or part not in (steps["tooltip"] or ""):
            fail(f"hover over leaf: details {hover!r}, tooltip {steps['tooltip']!r}, no {part!r}")
    reset = {f[0]: f[1:] for f in steps["reset"]["frames"]}
    if reset.get("all") != ["frame", "100%"] or "other_main" not in reset:
        fail(f"reset did not zoom out: {steps['reset']['frames']}")
    searched = sorted(f[0] for f in steps["searched"]["frames"] if "match" in f[1].split())
    if searched != ["leaf"] * 3 or "(3 frames)" not in steps["searched"]["matched"] \
            or steps["hash"] != "#search=%5Eleaf%24":
        fail(f"typing ^leaf$: marked {searched}, label {steps['searched']['matched']!r}, hash {steps['hash']!r}")
    print(f"harness: click zooms (leaf 33.33% of compute), hover shows {hover!r}, reset, typed search "
          f"{steps['searched']['matched']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
