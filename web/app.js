// The page: reads its state from the URL, asks the simulator (vmtour_call, one JSON request and
// one JSON answer; see vmtour_web.cpp) and shows the answer. Errors are the simulator's own
// one-line messages, shown next to the field they are about; nothing here throws to the console.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { levels: 2, va: "0x1337babe", access: "r", user: true, step: -1, view: "walk", zoom: [],
                seed: "1", count: 5, huge: false, faults: false, lesson: 0 };
const VIEWS = ["walk", "map", "quiz"];
let call = null;      // the simulator, once loaded
let stepCount = 0;    // steps in the walk shown

function readUrl() {
  const q = new URLSearchParams(location.search);
  if (q.has("levels")) state.levels = parseInt(q.get("levels"), 10) || 2;
  if (q.has("va")) state.va = q.get("va");
  if (q.has("access")) state.access = q.get("access");
  if (q.has("user")) state.user = q.get("user") !== "0";
  if (q.has("step")) state.step = parseInt(q.get("step"), 10);
  if (Number.isNaN(state.step)) state.step = -1;
  if (q.has("seed")) { state.seed = q.get("seed"); state.view = "quiz"; }
  if (VIEWS.includes(q.get("view"))) state.view = q.get("view");
  if (q.has("count")) state.count = parseInt(q.get("count"), 10) || 5;
  state.huge = q.get("huge") === "1";
  state.faults = q.get("faults") === "1";
  if (q.has("lesson")) state.lesson = parseInt(q.get("lesson"), 10) || 0;
  if (q.has("zoom")) state.zoom = q.get("zoom").split(",").filter((s) => s !== "").map((s) => parseInt(s, 10));
}

function writeUrl() {
  const q = new URLSearchParams();
  q.set("levels", state.levels);
  q.set("va", state.va);
  if (state.access !== "r") q.set("access", state.access);
  if (!state.user) q.set("user", "0");
  if (state.step >= 0) q.set("step", state.step);
  if (state.view === "map") q.set("view", "map");
  if (state.view === "quiz") {
    q.set("seed", state.seed);
    if (state.count !== 5) q.set("count", state.count);
    if (state.huge) q.set("huge", "1");
    if (state.faults) q.set("faults", "1");
  }
  if (state.lesson) q.set("lesson", state.lesson);
  if (state.zoom.length) q.set("zoom", state.zoom.join(","));
  history.replaceState(null, "", "?" + q.toString());
}

function ask(request) {
  request.machine = $("machine").value;
  try {
    return JSON.parse(call(JSON.stringify(request)));
  } catch (e) {
    return { error: "internal error in the page: " + e.message };
  }
}

function clearErrors() {
  for (const id of ["va-error", "access-error", "machine-error", "map-error", "quiz-error"]) $(id).textContent = "";
  for (const id of ["va", "machine"]) $(id).classList.remove("bad");
}

// Puts a message next to the field it is about: the pasted file's "pasted.machine:LINE: ...",
// the access, or else the address.
function showError(message, fallback) {
  if (message.startsWith("pasted.machine") || message.startsWith("--levels")) {
    $("machine-box").open = true;
    $("machine-error").textContent = message;
    $("machine").classList.add("bad");
  } else if (message.startsWith("--access")) {
    $("access-error").textContent = message;
  } else if (fallback === "map") {
    $("map-error").textContent = message;
  } else {
    $("va-error").textContent = message;
    $("va").classList.add("bad");
  }
}

function svgInto(element, svg) {
  element.innerHTML = svg.replace(/^<\?xml[^>]*>\s*/, "");
}

function showWalk() {
  const a = ask({ cmd: "translate", levels: state.levels, va: state.va, access: state.access, user: state.user, step: state.step });
  if (a.error) {
    showError(a.error, "walk");
    $("result").textContent = "";
    $("walk-svg").textContent = "";
    $("walk-text").textContent = "";
    $("step-label").textContent = "";
    return;
  }
  stepCount = a.steps;
  const w = a.walk;
  $("result").textContent = w.ok
    ? `${w.va} → physical address ${w.pa}`
    : `${w.va} → ${w.fault.type}: ${w.fault.reason}`;
  svgInto($("walk-svg"), a.svg);
  $("walk-text").textContent = a.text;
  if (state.step < 0) $("step-label").textContent = `whole walk (${stepCount} step${stepCount === 1 ? "" : "s"})`;
  else if (state.step >= stepCount) $("step-label").textContent = "result";
  else {
    const s = w.steps[state.step];
    $("step-label").textContent = `step ${state.step + 1} of ${stepCount}: ${s.table} index ${s.index} → ${s.entry} ${s.raw}`;
  }
  $("prev").disabled = state.step === 0;
  $("next").disabled = state.step >= stepCount;
}

function showMap() {
  const a = ask({ cmd: "map", levels: state.levels, zoom: state.zoom });
  if (a.error) {
    showError(a.error, "map");
    if (!a.error.startsWith("pasted.machine") && state.zoom.length) state.zoom.pop();
    return;
  }
  svgInto($("map-svg"), a.svg);
  $("map-text").textContent = a.text;
  $("zoom-label").textContent = a.map.view;
  $("zoom-out").disabled = state.zoom.length === 0;
}

function render() {
  clearErrors();
  $("levels").value = String(state.levels);
  $("quiz-levels").value = String(state.levels);
  $("va").value = state.va;
  $("access").value = state.access;
  $("user").checked = state.user;
  for (const v of VIEWS) {
    $(v + "-view").hidden = state.view !== v;
    $("tab-" + v).setAttribute("aria-pressed", String(state.view === v));
  }
  // The quiz makes its own machine: the address and machine file belong to the walk and the map.
  $("controls").hidden = state.view === "quiz";
  if (state.view === "walk") showWalk();
  else if (state.view === "map") showMap();
  else showQuiz();
  document.body.classList.toggle("with-lessons", state.lesson > 0);
  $("tab-lessons").setAttribute("aria-pressed", String(state.lesson > 0));
  $("lesson-pane").hidden = state.lesson === 0;
  if (state.lesson) showLesson();
  writeUrl();
}

function fromForm() {
  state.levels = parseInt($("levels").value, 10);
  state.va = $("va").value.trim();
  state.access = $("access").value;
  state.user = $("user").checked;
}

function wire() {
  $("controls").addEventListener("submit", (e) => { e.preventDefault(); fromForm(); state.step = -1; render(); });
  $("levels").addEventListener("change", () => { fromForm(); state.zoom = []; render(); });
  $("quiz-levels").addEventListener("change", () => { state.levels = parseInt($("quiz-levels").value, 10); render(); });
  $("access").addEventListener("change", () => { fromForm(); render(); });
  $("user").addEventListener("change", () => { fromForm(); render(); });
  $("prev").addEventListener("click", () => { state.step = state.step < 0 ? stepCount : Math.max(0, state.step - 1); render(); });
  $("next").addEventListener("click", () => { state.step = Math.min(stepCount, state.step + 1); render(); });
  $("all").addEventListener("click", () => { state.step = -1; render(); });
  $("tab-walk").addEventListener("click", () => { state.view = "walk"; render(); });
  $("tab-map").addEventListener("click", () => { state.view = "map"; render(); });
  $("tab-quiz").addEventListener("click", () => { state.view = "quiz"; render(); });
  wireQuiz();
  wireLessons();
  $("zoom-out").addEventListener("click", () => { state.zoom.pop(); render(); });
  $("map-svg").addEventListener("click", (e) => {
    const cell = e.target.closest("[data-cell]");
    if (!cell) return;
    state.zoom.push(parseInt(cell.getAttribute("data-cell"), 10));
    render();
  });
  $("load-example").addEventListener("click", () => {
    const a = JSON.parse(call(JSON.stringify({ cmd: "example", levels: parseInt($("levels").value, 10) })));
    $("machine").value = a.text || "";
    render();
  });
  $("clear-machine").addEventListener("click", () => { $("machine").value = ""; render(); });
  $("machine").addEventListener("change", () => { fromForm(); render(); });
}

// Where the load time goes (tests/web/measure_load.py reads these): the scripts parsed, the
// simulator compiled and started, the first answer shown.
document.body.dataset.scriptMs = String(Math.round(performance.now()));
readUrl();
wire();
if (typeof VmtourModule !== "function") {
  $("status").textContent = "The simulator (dist/vmtour.js) is missing: build it with web/build.sh.";
  $("status").className = "failed";
} else {
  VmtourModule().then((mod) => {
    document.body.dataset.moduleMs = String(Math.round(performance.now()));
    call = mod.cwrap ? mod.cwrap("vmtour_call", "string", ["string"])
                     : (req) => mod.ccall("vmtour_call", "string", ["string"], [req]);
    $("status").textContent = "";
    render();
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "1";
  }, (err) => {
    $("status").textContent = "The simulator failed to start: " + err;
    $("status").className = "failed";
  });
}
