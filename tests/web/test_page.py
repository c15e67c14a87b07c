#!/usr/bin/env python3
"""Browser tests of web/: Debian's Chromium, headless, driven by Selenium through chromedriver.
Usage: test_page.py WEB_DIR ARTIFACT_DIR [VMSIM]
WEB_DIR holds index.html and dist/vmtour.js. Screenshots of every state go to ARTIFACT_DIR.
With VMSIM, the page's error messages are compared with the command line's."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium, serve

web_dir, artifacts = sys.argv[1], sys.argv[2]
vmsim = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
lessons_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lessons")
os.makedirs(artifacts, exist_ok=True)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


server = serve(web_dir)
base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
driver = chromium("vmtour-chromium-", browser_log=True)
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


def js_text(selector):
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''",
                                 selector)


def run_cli(args, files=None, cwd=None):
    with tempfile.TemporaryDirectory() as d:
        for name, body in (files or {}).items():
            open(os.path.join(d, name), "w").write(body)
        return subprocess.run([vmsim] + args, cwd=cwd or d, capture_output=True, text=True)


def answers_of(quiz):
    """The true answers of a quiz, spelled as a learner types them, from vmsim quiz --json --solve."""
    out = []
    for q in json.loads(run_cli(quiz + ["--json", "--solve"]).stdout)["questions"]:
        w = q["answer"]
        out.append(w["pa"] if w["ok"] else ("gp" if w["fault"]["type"] == "#GP" else f"pf {w['fault']['error_code']:#x}"))
    return out


def answer(n, text_):
    field = driver.find_element(By.CSS_SELECTOR, f"#q{n} .answer")
    field.clear()
    field.send_keys(text_)
    driver.find_element(By.CSS_SELECTOR, f"#q{n} .check").click()


def verdict(n):
    return js_text(f"#q{n} .verdict")


def run_in_page(selector):
    buttons = driver.find_elements(By.CSS_SELECTOR, selector)
    check(len(buttons) >= 1, f"a run button: {selector}")
    if not buttons:
        return ""
    buttons[0].click()
    return driver.execute_script("const out = [...document.querySelectorAll('pre.cmd-out')]"
                                 ".find((e) => e.dataset.cmd === arguments[0].title); return out ? out.textContent : ''",
                                 buttons[0])


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

    # 8. The quiz from the URL: `vmsim quiz`'s problem, graded answers, hints, malformed answers.
    load(base + "?levels=2&seed=7")
    check("seed=7" in driver.current_url and not driver.find_element(By.ID, "quiz-view").get_attribute("hidden"),
          "?seed=7 opens the quiz")
    problem = js_text("#quiz-problem")
    check(problem.startswith("vmsim quiz --levels 2 --seed 7\n"), f"the quiz names its command ({problem[:40]!r})")
    questions = driver.find_elements(By.CSS_SELECTOR, "#quiz-questions > li")
    check(len(questions) == 5, f"5 questions ({len(questions)})")
    if vmsim:
        cli = run_cli(["quiz", "--levels", "2", "--seed", "7"])
        check(cli.stdout.startswith(problem), "the problem is vmsim quiz's, word for word")
        truth = answers_of(["quiz", "--levels", "2", "--seed", "7"])
        # Right: question 1's true answer.
        answer(1, truth[0])
        check(verdict(1) == "right", f"question 1, the true answer {truth[0]!r}: right ({verdict(1)!r})")
        check(f"answer  {truth[0]}" in js_text("#q1 .solution"), "a right answer shows the walk and the answer")
        # Wrong: a fault where there is an address, or an address where there is a fault.
        wrong = "0x1000" if truth[1] != "0x1000" else "0x2000"
        answer(2, wrong)
        given = truth[:1] + [wrong] + truth[2:]
        cli_json = json.loads(run_cli(["quiz", "--levels", "2", "--seed", "7", "--answer", "a.txt", "--json"],
                                      {"a.txt": "\n".join(given) + "\n"}).stdout)
        hint = cli_json["answers"][1]["hint"]
        check(verdict(2) == "wrong: " + hint, f"question 2, {wrong}: wrong with the CLI's hint ({verdict(2)!r})")
        # Malformed: the command line's one-line message, without its "FILE:LINE: ".
        answer(3, "banana")
        msg = js_text("#q3 .error")
        cli_msg = cli_error(["quiz", "--levels", "2", "--seed", "7", "--answer", "a.txt"], {"a.txt": "banana\n"})
        check(msg and cli_msg == "a.txt:1: " + msg, f"malformed answer: the CLI's words ({msg!r}, {cli_msg!r})")
    driver.find_element(By.CSS_SELECTOR, "#q4 .hint").click()
    hints = driver.find_elements(By.CSS_SELECTOR, "#q4 .hints li")
    check(len(hints) == 1 and hints[0].text.startswith("step 1: "), f"hint: the first step of the walk ({hints[0].text if hints else ''!r})")
    shot("08-quiz")
    driver.find_element(By.ID, "quiz-next").click()
    check("seed=8" in driver.current_url and js_text("#quiz-problem").startswith("vmsim quiz --levels 2 --seed 8"),
          "next seed: quiz 8, in the URL")

    # 9. Lesson 3 beside the walk; its commands run through the command line's code.
    load(base + "?levels=2&va=0x1337babe&lesson=3")
    check("0xdeadbabe" in text("result") and driver.find_element(By.ID, "lesson-pane").is_displayed(),
          "lesson 3 beside the walk")
    check(js_text("#lesson-body h1").startswith("Lesson 3"), f"lesson 3's README ({js_text('#lesson-body h1')!r})")
    line = "vmsim translate 0x1337babe --machine blog.machine --access w --set-ad"
    out = run_in_page(f'#lesson-exercises button.run[title="{line}"]')
    if vmsim:
        cli = run_cli(line.split()[1:], cwd=os.path.join(lessons_dir, "03-the-two-level-walk"))
        check(out == f"$ {line}\n{cli.stdout}[exit {cli.returncode}]", "a lesson's command: the CLI's output")
    check("0xdeadbabe" in out, "a lesson's command ran")
    shot("09-lesson-3")
    load(base + "?lesson=5")
    out = run_in_page('#lesson-body button.run[title="vmsim split 0x1337babe --levels 3"]')
    check("379" in out, f"a command in the README's code block runs ({out[:60]!r})")
    bad = run_in_page('#lesson-body button.run[title="vmsim translate 0x0000800000000000 --levels 4"]')
    check("#GP" in bad and bad.endswith("[exit 1]"), "a faulting command: its exit status")
    shot("10-lesson-5")

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
