"""What the browser tests share: a quiet local web server for a folder, and Debian's Chromium,
headless, driven by Selenium through chromedriver, with a fresh profile and no background
traffic (this machine reaches only Debian's archive)."""
import functools
import http.server
import tempfile
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """Serves DIRECTORY on 127.0.0.1 at a free port, in a daemon thread; returns the server."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def chromium(profile_prefix, browser_log=False):
    """A headless Chromium at 1400x1300 whose pages may read file:// neighbours; with BROWSER_LOG,
    the page's console is kept for driver.get_log("browser")."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1300",
              f"--user-data-dir={tempfile.mkdtemp(prefix=profile_prefix)}", "--allow-file-access-from-files"]:
        opts.add_argument(a)
    if browser_log:
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
