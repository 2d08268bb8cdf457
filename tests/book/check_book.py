"""Checks the built course book: every chapter and image present, no broken link, nothing
loaded from the network, and - in headless Chromium - plots and formulas actually drawn.

    python tests/book/check_book.py --book target/book --chapters notebooks \
        --screenshot target/artifacts/book-chapter.png

Exits non-zero with one line per problem. The screenshot is kept as a CI artifact.
"""
import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    """The links, resources, ids, formulas and headings of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.resources, self.ids = [], [], set()
        self.maths = self.math_errors = 0
        self.images = []
        self.h1 = None
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("img", "script") and attrs.get("src"):
            self.resources.append(attrs["src"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "link" and attrs.get("href"):
            self.resources.append(attrs["href"])
        if tag == "math":
            self.maths += 1
        if tag == "merror":
            self.math_errors += 1
        if tag == "h1" and self.h1 is None:
            self._in_h1, self.h1 = True, ""

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def check_static(book, stems):
    problems, pages = [], {}
    for html in sorted(book.rglob("*.html")):
        pages[html] = parse(html)
    for stem in stems:
        html = book / "chapters" / f"{stem}.html"
        if html not in pages:
            problems.append(f"chapter {stem}: {html} missing")
            continue
        page = pages[html]
        if not (page.h1 or "").strip():
            problems.append(f"{html}: no title")
        made = sorted(p.name for p in (book / "chapters" / "img").glob(f"{stem}-*"))
        shown = sorted(Path(unquote(src)).name for src in page.images if "/img/" in "/" + src)
        if made != shown:
            problems.append(f"{html}: shows images {shown}, the converter wrote {made}")
        if page.math_errors:
            problems.append(f"{html}: {page.math_errors} formulas failed to render (merror)")
    for html, page in pages.items():
        for ref in page.links + page.resources:
            url = urlsplit(ref)
            if url.scheme in ("http", "https", "mailto") or ref.startswith("//"):
                if ref in page.resources:
                    problems.append(f"{html}: loads {ref} from the network")
                continue
            if url.scheme or (not url.path and not url.fragment):
                continue
            target = (html.parent / unquote(url.path)).resolve() if url.path else html
            if not target.exists():
                problems.append(f"{html}: broken link {ref}")
            elif url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if url.fragment not in ids:
                    problems.append(f"{html}: broken anchor {ref}")
    return problems, pages


class Browser:
    """Headless Chromium over the DevTools protocol: load a page, run a script, screenshot."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-port=0", "--remote-allow-origins=*"]

    def __init__(self, binary):
        import websocket  # websocket-client, from scripts/requirements-test.txt

        self.profile = tempfile.mkdtemp(prefix="book-chromium-")
        self.proc = subprocess.Popen([binary, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{binary} did not open its DevTools port in 30 s")
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def wait_for(self, event):
        while True:
            if json.loads(self.ws.recv()).get("method") == event:
                return

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page shows once drawn: every image decoded with a size, every formula laid out.
MEASURE = """JSON.stringify({
  images: [...document.querySelectorAll('main img')].map(i => ({src: i.getAttribute('src'),
          ok: i.complete && i.naturalWidth > 0, width: i.getBoundingClientRect().width})),
  maths: [...document.querySelectorAll('main math')].map(m => {
          const r = m.getBoundingClientRect(); return {width: r.width, height: r.height}; }),
  mathml: document.querySelector('main math') ?
          getComputedStyle(document.querySelector('main math')).display : null,
  height: document.documentElement.scrollHeight
})"""


def check_in_browser(binary, html, screenshot):
    problems = []
    browser = Browser(binary)
    try:
        browser.call("Page.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1200, height=1600, deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=html.resolve().as_uri())
        browser.wait_for("Page.loadEventFired")
        result = browser.call("Runtime.evaluate", expression=MEASURE, returnByValue=True)
        seen = json.loads(result["result"]["value"])
        for image in seen["images"]:
            if not image["ok"] or image["width"] < 50:
                problems.append(f"{html}: image {image['src']} not drawn ({image})")
        if not seen["images"]:
            problems.append(f"{html}: no images to check")
        if not seen["maths"]:
            problems.append(f"{html}: no formulas to check")
        flat = [m for m in seen["maths"] if m["width"] < 3 or m["height"] < 5]
        if flat:
            problems.append(f"{html}: {len(flat)} of {len(seen['maths'])} formulas not laid out: {flat[:3]}")
        shot = browser.call("Page.captureScreenshot", format="png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        print(f"browser: {html.name}: {len(seen['images'])} images drawn, {len(seen['maths'])} formulas laid out "
              f"(math display: {seen['mathml']}); screenshot {screenshot}")
    finally:
        browser.close()
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--book", type=Path, default=Path("target/book"))
    parser.add_argument("--chapters", type=Path, default=Path("notebooks"), help="the committed notebooks")
    parser.add_argument("--screenshot", type=Path, default=Path("target/artifacts/book-chapter.png"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--open", help="chapter to open in the browser (default: the first with plots and formulas)")
    args = parser.parse_args()

    stems = sorted(p.stem for p in args.chapters.glob("*.ipynb"))
    if not stems:
        sys.exit(f"{args.chapters}: no notebooks")
    problems, pages = check_static(args.book, stems)
    chapters = [args.book / "chapters" / f"{s}.html" for s in stems if (args.book / "chapters" / f"{s}.html") in pages]
    images = sum(len(pages[c].images) for c in chapters)
    maths = sum(pages[c].maths for c in chapters)
    print(f"book: {len(chapters)}/{len(stems)} chapters, {images} images, {maths} formulas, "
          f"{sum(len(p.links) for p in pages.values())} links in {len(pages)} pages")
    if args.open:
        target = args.book / "chapters" / f"{args.open}.html"
    else:
        target = next((c for c in chapters if pages[c].maths and pages[c].images), None)
    if target is None:
        problems.append("no chapter has both plots and formulas to check in the browser")
    elif shutil.which(args.chromium) is None:
        problems.append(f"{args.chromium} not found: install Debian's chromium package")
    else:
        problems += check_in_browser(args.chromium, target, args.screenshot)
    for problem in problems:
        print("FAIL", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
