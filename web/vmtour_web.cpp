// The page's door into the simulator: one C function, a JSON request in and a JSON answer out,
// so the WebAssembly build needs no binding library (embind) and the page needs no C++ types.
//
//   {"cmd":"translate","levels":2,"va":"0x1337babe","access":"r","user":true,"machine":"...","step":-1}
//     -> {"walk":{... walk_json ...},"text":"... as vmsim translate prints ...","svg":"<svg ...>"}
//   {"cmd":"map","levels":4,"machine":"...","zoom":[511]} -> {"map":{...},"text":"...","svg":"..."}
//   {"cmd":"example","levels":3} -> {"text":"vmtour-machine 1 ..."}
//   {"cmd":"quiz","levels":2,"seed":"7","count":5,"huge":false,"faults":false}
//     -> {"title":"vmsim quiz ...","problem":"... as vmsim quiz prints it","questions":[{"text","hints"}]}
//   {"cmd":"quiz-answer", the same quiz, "question":0,"answer":"pf 0x7"}
//     -> {"right":false,"slip":"...","step":2,"hint":"..."} (right: with "solution"), or an error
//   {"cmd":"vmsim","args":["translate","0x1337babe"],"dir":"/lessons/03-the-two-level-walk"}
//     -> {"stdout":"...","stderr":"...","status":0}: the command line itself (web_vmsim.cpp)
//   {"cmd":"lessons"} -> {"lessons":[{"number","slug","title","html","exercises":[...]}]}
//   any error -> {"error":"one line, the same words as vmsim's"}
//
// "machine" is a machine file's text (docs/machine-format.md); when it is empty the built-in
// example for "levels" is used, as vmsim does without --machine.
#include "examples.hpp"
#include "machine_file.hpp"
#include "memmap.hpp"
#include "input_words.hpp"
#include "parse.hpp"
#include "quiz_grade.hpp"
#include "quiz_text.hpp"
#include "web.hpp"
#include "render.hpp"
#include "svg.hpp"
#include "walk.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace {

using nlohmann::json;
using namespace vmtour;
using namespace vmtour::web;

// The name a pasted machine file goes by in error messages: "pasted.machine:3: ...".
constexpr std::string_view PASTED = "pasted.machine";

Machine load(const json& req) {
    const unsigned levels = req.value("levels", 0u);
    const std::string text = req.value("machine", std::string());
    if (text.empty()) {
        const PagingMode* mode = mode_for_levels(levels ? levels : 2);
        if (!mode) throw InputError(fmt::format("--levels must be 2, 3, 4 or 5, not {}", levels));
        return example_machine(*mode);
    }
    auto m = parse_machine(text, PASTED);
    if (!m) throw InputError(m.error);
    return std::move(m.value);
}

std::uint64_t parse_va(const std::string& text, const PagingMode& mode) {
    const auto v = parse_virtual_address(text, mode);
    if (!v) throw InputError(v.error);
    return v.value;
}

AccessType access_type(const std::string& text) {
    const auto a = parse_access_type(text);
    if (!a) throw InputError(a.error);
    return a.value;
}

json translate(const json& req) {
    const Machine m = load(req);
    const std::uint64_t va = parse_va(req.value("va", std::string()), *m.mode);
    const Access access{access_type(req.value("access", std::string("r"))), req.value("user", true)};
    const Walk w = walk(m, va, access);
    return json{{"walk", walk_json(m, w)},
                {"text", render_walk_text(m, w)},
                {"svg", svg_walk(m, w, req.value("step", -1))},
                {"steps", w.step_count}};
}

json map(const json& req) {
    const Machine m = load(req);
    std::vector<unsigned> zoom = req.value("zoom", std::vector<unsigned>{});
    std::string error;
    const MemoryMap mm = memory_map(m, zoom, error);
    if (!error.empty()) throw InputError(error);
    return json{{"map", memmap_json(m, mm)}, {"text", render_memmap_text(m, mm)}, {"svg", svg_memmap(m, mm)}};
}

json example(const json& req) {
    const PagingMode* mode = mode_for_levels(req.value("levels", 2u));
    if (!mode) throw InputError("--levels must be 2, 3, 4 or 5");
    return json{{"text", std::string(example_text(*mode))}};
}

// The quiz a request names, made as `vmsim quiz` makes it. The seed comes as text from the URL.
Quiz quiz_of(const json& req) {
    const PagingMode* mode = mode_for_levels(req.value("levels", 2u));
    if (!mode) throw InputError("--levels must be 2, 3, 4 or 5");
    const auto seed = parse_u64(req.value("seed", std::string("1")));
    if (!seed) throw InputError(fmt::format("bad seed: {}", seed.error));
    try {
        return make_quiz(QuizOptions{mode, seed.value, req.value("count", 5u), req.value("huge", false),
                                     req.value("faults", false)});
    } catch (const std::invalid_argument& e) {
        throw InputError(e.what());
    }
}

json quiz(const json& req) {
    const Quiz q = quiz_of(req);
    json questions = json::array();
    for (std::size_t i = 0; i < q.questions.size(); ++i)
        questions.push_back({{"text", question_text(q.questions[i])},
                             {"hints", walk_hints(q.machine, question_walk(q, i))}});
    return json{{"title", quiz_command_line(q.options)},
                {"problem", quiz_problem_text(q, dump_machine(q.machine))},
                {"questions", questions}};
}

json quiz_answer(const json& req) {
    const Quiz q = quiz_of(req);
    const std::size_t i = req.value("question", std::size_t{0});
    if (i >= q.questions.size()) throw InputError(fmt::format("no question {}", i + 1));
    const auto v = grade_typed_answer(q, i, req.value("answer", std::string()));
    if (!v) throw InputError(v.error);
    json out{{"right", v.value.right}};
    if (v.value.right) {
        out["solution"] = quiz_solution_text(q, question_walk(q, i));
    } else {
        out["slip"] = slip_name(v.value.slip);
        out["step"] = v.value.step >= 0 ? json(v.value.step + 1) : json(nullptr);
        out["hint"] = v.value.hint;
    }
    return out;
}

json quiz_solution(const json& req) {
    const Quiz q = quiz_of(req);
    const std::size_t i = req.value("question", std::size_t{0});
    if (i >= q.questions.size()) throw InputError(fmt::format("no question {}", i + 1));
    return json{{"solution", quiz_solution_text(q, question_walk(q, i))}};
}

json dispatch(const json& req) {
    const std::string cmd = req.value("cmd", std::string());
    if (cmd == "translate") return translate(req);
    if (cmd == "map") return map(req);
    if (cmd == "example") return example(req);
    if (cmd == "quiz") return quiz(req);
    if (cmd == "quiz-answer") return quiz_answer(req);
    if (cmd == "quiz-solution") return quiz_solution(req);
    if (cmd == "vmsim") return run_command(req);
    if (cmd == "lessons") return lessons_json();
    throw InputError(fmt::format("unknown command '{}'", cmd));
}

}  // namespace

// The answer stays valid until the next call (the page copies it into a JS string at once).
extern "C" const char* vmtour_call(const char* request) {
    static std::string answer;
    json out;
    try {
        out = dispatch(json::parse(request));
    } catch (const InputError& e) {
        out = json{{"error", e.what()}};
    } catch (const json::exception& e) {
        out = json{{"error", fmt::format("bad request from the page: {}", e.what())}};
    } catch (const std::exception& e) {
        out = json{{"error", fmt::format("internal error: {}", e.what())}};
    }
    answer = out.dump();
    return answer.c_str();
}
