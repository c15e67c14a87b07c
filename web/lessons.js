// Lessons 1 to 6 beside the page: their README rendered by the simulator (sim/present/
// markdown_html.hpp) and their vmsim commands run in the page through the command line's own
// code (run_vmsim), in the lesson's folder, so `--machine blog.machine` finds its file.
"use strict";

let lessons = null;  // from the simulator, once asked

function lessonList() {
  if (!lessons) {
    const a = ask({ cmd: "lessons" });
    lessons = a.error ? [] : a.lessons;
    $("lesson-error").textContent = a.error || "";
    const pick = $("lesson-pick");
    pick.textContent = "";
    for (const l of lessons) pick.add(new Option(`${l.number}. ${l.title}`, String(l.number)));
  }
  return lessons;
}

// A run button after `anchor`; its output goes in a <pre> after the block holding the anchor.
function runButton(anchor, line, dir, block) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "run";
  b.textContent = "▶ run";
  b.title = line;
  b.addEventListener("click", () => {
    const a = ask({ cmd: "vmsim", line, dir });
    let out = block.nextElementSibling;
    if (!out || !out.classList.contains("cmd-out") || out.dataset.cmd !== line) {
      out = document.createElement("pre");
      out.className = "cmd-out";
      out.dataset.cmd = line;
      block.after(out);
    }
    out.textContent = "";
    const head = document.createElement("span");
    head.className = "cmd-line";
    head.textContent = `$ ${line}\n`;
    out.appendChild(head);
    if (a.error) {
      out.appendChild(errorSpan(a.error));
      return;
    }
    out.appendChild(document.createTextNode(a.stdout));
    if (a.stderr) out.appendChild(errorSpan(a.stderr));
    const status = document.createElement("span");
    status.className = "cmd-status";
    status.textContent = `[exit ${a.status}]`;
    out.appendChild(status);
  });
  anchor.after(b);
}

function errorSpan(text) {
  const s = document.createElement("span");
  s.className = "error";
  s.textContent = text;
  return s;
}

function showLesson() {
  const list = lessonList();
  const l = list.find((x) => x.number === state.lesson) || list[0];
  if (!l) return;
  state.lesson = l.number;
  $("lesson-pick").value = String(l.number);
  const body = $("lesson-body");
  body.innerHTML = l.html;  // escaped by the simulator's Markdown renderer
  for (const code of body.querySelectorAll("code.cmd")) {
    // `vmsim lesson check` and `vmsim grade` run other programs: the simulator refuses them here.
    if (/^vmsim (lesson|grade)\b/.test(code.dataset.cmd)) continue;
    runButton(code, code.dataset.cmd, l.dir, code.closest("p, li, pre, td") || code);
  }
  const ex = $("lesson-exercises");
  ex.textContent = "";
  for (const e of l.exercises) {
    const li = document.createElement("li");
    li.innerHTML = `<strong></strong> <span class="ask"></span><div class="run-line"><code></code></div>`;
    li.querySelector("strong").textContent = e.id;
    li.querySelector(".ask").textContent = e.ask;
    const code = li.querySelector("code");
    code.textContent = e.run;
    if (e.runnable) runButton(code, e.run, l.dir, li.querySelector(".run-line"));
    else code.title = "a shell command: run it in a terminal";
    ex.appendChild(li);
  }
}

function wireLessons() {
  $("lesson-pick").addEventListener("change", () => { state.lesson = parseInt($("lesson-pick").value, 10); render(); });
  $("tab-lessons").addEventListener("click", () => { state.lesson = state.lesson ? 0 : 1; render(); });
  $("lesson-close").addEventListener("click", () => { state.lesson = 0; render(); });
}
