#!/usr/bin/env python3
"""Browser tests of web/: Debian's Chromium, headless, driven by Selenium through chromedriver.
Usage: test_page.py WEB_DIR ARTIFACT_DIR [VMSIM]
WEB_DIR holds index.html and dist/vmtour.js. Screenshots of every state go to ARTIFACT_DIR.
With VMSIM, the page's error messages are compared with the command line's."""
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import functools

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

web_dir, artifacts = sys.argv[1], sys.argv[2]
vmsim = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
os.makedirs(artifacts, exist_ok=True)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=web_dir))
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}/index.html"

profile = tempfile.mkdtemp(prefix="vmtour-chromium-")
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1300",
          f"--user-data-dir={profile}", "--allow-file-access-from-files"]:
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
wait = WebDriverWait(driver, 20)


def load(url):
    start = time.monotonic()
    driver.get(url)
    wait.until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    return time.monotonic() - start


def text(id_):
    return driver.find_element(By.ID, id_).text


def shot(name):
    driver.save_screenshot(os.path.join(artifacts, name + ".png"))


def console_errors():
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def cli_error(args, files=None):
    """vmsim's stderr line without its 'vmsim: ' prefix, run in a folder holding FILES."""
    with tempfile.TemporaryDirectory() as d:
        for name, body in (files or {}).items():
            open(os.path.join(d, name), "w").write(body)
        r = subprocess.run([vmsim] + args, cwd=d, capture_output=True, text=True)
        return r.stderr.strip().removeprefix("vmsim: ")


try:
    # 1. The blog's walk from the URL.
    seconds = load(base + "?levels=2&va=0x1337babe")
    ready_ms = driver.execute_script("return Number(document.body.dataset.readyMs)")
    print(f"load: {seconds:.3f} s from driver.get to a shown walk; {ready_ms} ms by the page's clock")
    check("0xdeadbabe" in driver.page_source, "?levels=2&va=0x1337babe shows 0xdeadbabe")
    check("0xdeadbabe" in text("result"), "the result line names 0xdeadbabe")
    check(driver.find_elements(By.CSS_SELECTOR, "#walk-svg svg text"), "the walk picture has real <text>")
    shot("01-blog-walk")
    errs = console_errors()
    check(not errs, f"no console errors on load {errs if errs else ''}")

    # 2. Stepping through both levels.
    driver.find_element(By.ID, "next").click()
    check(text("step-label").startswith("step 1 of 2: PD index 76"), f"next: step 1 is the PD ({text('step-label')!r})")
    faded = driver.execute_script("return document.querySelector('#walk-svg #step-1').getAttribute('opacity')")
    check(faded is not None and float(faded) < 0.5, "step 1: the PT is faded")
    check("step=0" in driver.current_url, "the step is in the URL")
    shot("02-step-1")
    driver.find_element(By.ID, "next").click()
    check(text("step-label").startswith("step 2 of 2: PT index 891"), f"next: step 2 is the PT ({text('step-label')!r})")
    check(driver.execute_script("return document.querySelector('#walk-svg #step-1').getAttribute('opacity')") is None,
          "step 2: the PT is shown")
    shot("03-step-2")
    driver.find_element(By.ID, "next").click()
    check(text("step-label") == "result", "next: the result")
    driver.find_element(By.ID, "prev").click()
    check(text("step-label").startswith("step 2 of 2"), "previous: back to step 2")

    # 3. A user write to the kernel from the URL faults, with the error code.
    load(base + "?levels=2&va=0xc0000000&access=w&user=1")
    check("#PF" in text("result") and "supervisor page" in text("result"), f"user write to the kernel: #PF ({text('result')!r})")
    check("error code 0x7" in driver.page_source, "the #PF error code 0x7 is drawn")
    shot("04-fault")
    load(base + "?levels=4&va=0x1337babe&access=w&user=0")
    check(driver.find_element(By.ID, "access").get_attribute("value") == "w"
          and not driver.find_element(By.ID, "user").is_selected(), "access=w&user=0 set the form")
    check("supervisor-mode write" in text("walk-text"), "access=w&user=0 walked a supervisor write")

    # 4. A bad address: the command line's message next to the field.
    load(base + "?levels=2&va=0x1337babe")
    va = driver.find_element(By.ID, "va")
    va.clear()
    va.send_keys("0x1g")
    driver.find_element(By.ID, "go").click()
    msg = text("va-error")
    check(msg.startswith("bad virtual address"), f"bad address: message next to the field ({msg!r})")
    if vmsim:
        check(msg == cli_error(["translate", "0x1g", "--levels", "2"]), "bad address: the same words as vmsim")

    # 5. A pasted machine file with an error: file-and-line message next to the field.
    bad_machine = "vmtour-machine 1\nmode 2level\ncr3 0x12340000\nflavour vanilla\n"
    driver.find_element(By.ID, "va").clear()
    driver.find_element(By.ID, "va").send_keys("0x1337babe")
    driver.find_element(By.CSS_SELECTOR, "#machine-box summary").click()
    box = driver.find_element(By.ID, "machine")
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))",
                          box, bad_machine)
    msg = text("machine-error")
    check(re.match(r"^pasted\.machine:4: ", msg) is not None, f"pasted machine: file:line message ({msg!r})")
    if vmsim:
        cli = cli_error(["translate", "0x1337babe", "--machine", "pasted.machine"], {"pasted.machine": bad_machine})
        check(msg == cli, f"pasted machine: the same words as vmsim ({cli!r})")
    shot("05-machine-error")
    # ... and a good pasted machine translates on it.
    good = "vmtour-machine 1\nmode 2level\ncr3 0x1000\nalloc 0x100000\nmap 0x400000 0x77000 4K rw,us\n"
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", box, good)
    va = driver.find_element(By.ID, "va")
    va.clear()
    va.send_keys("0x400123")
    driver.find_element(By.ID, "go").click()
    check("0x77123" in text("result") and not text("machine-error"), f"pasted machine: 0x400123 -> 0x77123 ({text('result')!r})")

    # 6. The memory map, and zooming into a cell.
    load(base + "?levels=4&va=0x1337babe&view=map")
    cells = driver.find_elements(By.CSS_SELECTOR, "#map-svg [data-cell]")
    check(len(cells) == 512, f"4-level map: 512 cells ({len(cells)})")
    shot("06-map")
    driver.execute_script("document.querySelector('#map-svg [data-cell=\"511\"] rect').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    check(text("zoom-label").startswith("PML4E 511"), f"zoomed into PML4E 511 ({text('zoom-label')!r})")
    check("zoom=511" in driver.current_url, "the zoom is in the URL")
    shot("07-map-zoom")

    # 7. From the files, without a server.
    load("file://" + os.path.abspath(os.path.join(web_dir, "index.html")) + "?levels=2&va=0x1337babe")
    check("0xdeadbabe" in driver.page_source, "file:// page shows 0xdeadbabe")

    errs = console_errors()
    check(not errs, f"no console errors in the whole session {errs if errs else ''}")
finally:
    driver.quit()
    server.shutdown()

print(f"web: {len(failures)} failure(s); screenshots in {artifacts}")
sys.exit(1 if failures else 0)
