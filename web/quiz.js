// The quiz view: `vmsim quiz` in the page. The problem, the verdicts, the hints and the messages
// for a malformed answer all come from the simulator (sim/teach/quiz_grade.hpp, the same grading
// as `vmsim quiz --answer` and `--ask`); this file only lays them out.
"use strict";

let quizShown = "";  // the request of the quiz on screen, so that re-rendering keeps typed answers

function quizRequest(extra) {
  return Object.assign({ levels: state.levels, seed: String(state.seed), count: state.count,
                         huge: state.huge, faults: state.faults }, extra);
}

function showQuiz() {
  $("quiz-seed").value = String(state.seed);
  $("quiz-huge").checked = state.huge;
  $("quiz-faults").checked = state.faults;
  const key = JSON.stringify(quizRequest({}));
  if (key === quizShown) return;
  const a = ask(quizRequest({ cmd: "quiz" }));
  const list = $("quiz-questions");
  list.textContent = "";
  $("quiz-error").textContent = a.error || "";
  if (a.error) {
    $("quiz-problem").textContent = "";
    quizShown = "";
    return;
  }
  quizShown = key;
  $("quiz-problem").textContent = a.problem;
  a.questions.forEach((q, i) => list.appendChild(questionItem(q, i)));
}

function questionItem(q, i) {
  const li = document.createElement("li");
  li.id = `q${i + 1}`;
  li.innerHTML = `<div class="q-text"></div>
    <div class="answer-row"><input class="answer" spellcheck="false" size="24" placeholder="0x…, pf 0xCODE or gp">
      <button type="button" class="check">check</button>
      <button type="button" class="hint">hint</button>
      <button type="button" class="show">show the walk</button>
      <span class="verdict" aria-live="polite"></span>
      <span class="error" aria-live="polite"></span></div>
    <ol class="hints"></ol>
    <pre class="solution" hidden></pre>`;
  const field = (c) => li.querySelector("." + c);
  field("q-text").textContent = q.text;
  field("answer").setAttribute("aria-label", `answer to question ${i + 1}`);
  let hintsShown = 0;
  const check = () => {
    field("verdict").textContent = "";
    field("verdict").className = "verdict";
    field("error").textContent = "";
    field("answer").classList.remove("bad");
    const a = ask(quizRequest({ cmd: "quiz-answer", question: i, answer: field("answer").value }));
    if (a.error) {
      field("error").textContent = a.error;
      field("answer").classList.add("bad");
      return;
    }
    field("verdict").textContent = a.right ? "right" : "wrong: " + a.hint;
    field("verdict").classList.add(a.right ? "right" : "wrong");
    if (a.right) showSolution(a.solution);
  };
  const showSolution = (text) => {
    field("solution").textContent = text;
    field("solution").hidden = false;
  };
  field("check").addEventListener("click", check);
  field("answer").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); check(); } });
  // The hints climb the walk one step at a time; the last one is the answer, kept for "show".
  field("hint").addEventListener("click", () => {
    if (hintsShown + 1 >= q.hints.length) {
      field("verdict").textContent = "no more hints before the answer: 'show the walk' shows it";
      return;
    }
    const item = document.createElement("li");
    item.textContent = q.hints[hintsShown++];
    field("hints").appendChild(item);
  });
  field("show").addEventListener("click", () => {
    const a = ask(quizRequest({ cmd: "quiz-solution", question: i }));
    showSolution(a.error || a.solution);
  });
  return li;
}

function wireQuiz() {
  const renew = () => {
    const seed = $("quiz-seed").value.trim();
    state.seed = seed === "" ? "1" : seed;
    state.huge = $("quiz-huge").checked;
    state.faults = $("quiz-faults").checked;
    render();
  };
  $("quiz-form").addEventListener("submit", (e) => { e.preventDefault(); renew(); });
  $("quiz-huge").addEventListener("change", renew);
  $("quiz-faults").addEventListener("change", renew);
  $("quiz-next").addEventListener("click", () => {
    const n = Number.parseInt(String(state.seed), 10);
    $("quiz-seed").value = String(Number.isNaN(n) ? 1 : n + 1);
    renew();
  });
}
