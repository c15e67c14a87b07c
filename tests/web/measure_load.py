#!/usr/bin/env python3
"""Load time of one or more builds of the page, measured in one headless Chromium session so that
they can be compared: from driver.get to the physical address 0xdeadbabe shown in #result, for
?levels=2&va=0x1337babe, each page loaded in turn ROUNDS times (the first load of each is dropped
as a warm-up of the browser's caches), median reported.
Usage: measure_load.py ROUNDS WEB_DIR [WEB_DIR...]   (each holds index.html and dist/vmtour.js)"""
import os
import statistics
import sys
import time

from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium, serve

rounds, dirs = int(sys.argv[1]), sys.argv[2:]
servers = [serve(d) for d in dirs]
driver = chromium("vmtour-load-")
shown = "const r = document.getElementById('result'); return !!r && r.textContent.includes('0xdeadbabe')"
times = {d: {"http": [], "file": [], "page": [], "script": [], "module": []} for d in dirs}
try:
    for r in range(rounds + 1):
        for d, s in zip(dirs, servers):
            for kind, url in (("http", f"http://127.0.0.1:{s.server_address[1]}/index.html"),
                              ("file", "file://" + os.path.abspath(os.path.join(d, "index.html")))):
                start = time.monotonic()
                driver.get(url + "?levels=2&va=0x1337babe")
                WebDriverWait(driver, 30, poll_frequency=0.005).until(lambda drv: drv.execute_script(shown))
                took = time.monotonic() - start
                if r == 0:
                    continue
                times[d][kind].append(took)
                if kind == "http":
                    for key in ("page", "script", "module"):
                        name = "readyMs" if key == "page" else key + "Ms"
                        times[d][key].append(driver.execute_script(f"return Number(document.body.dataset.{name})"))
finally:
    driver.quit()


def med(values):
    values = [v for v in values if v == v and v]  # NaN where an older page does not record it
    return f"{statistics.median(values):.0f} ms" if values else "not recorded"


for d in dirs:
    t = times[d]
    print(f"{d}: median of {rounds}: {statistics.median(t['http']) * 1000:.0f} ms from driver.get to 0xdeadbabe "
          f"over http, {statistics.median(t['file']) * 1000:.0f} ms from file://; "
          f"page clock {statistics.median(t['page']):.0f} ms (scripts parsed {med(t['script'])}, "
          f"simulator started {med(t['module'])})")
