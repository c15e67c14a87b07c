// The page's door into the simulator: one C function, a JSON request in and a JSON answer out,
// so the WebAssembly build needs no binding library (embind) and the page needs no C++ types.
//
//   {"cmd":"translate","levels":2,"va":"0x1337babe","access":"r","user":true,"machine":"...","step":-1}
//     -> {"walk":{... walk_json ...},"text":"... as vmsim translate prints ...","svg":"<svg ...>"}
//   {"cmd":"map","levels":4,"machine":"...","zoom":[511]} -> {"map":{...},"text":"...","svg":"..."}
//   {"cmd":"example","levels":3} -> {"text":"vmtour-machine 1 ..."}
//   any error -> {"error":"one line, the same words as vmsim's"}
//
// "machine" is a machine file's text (docs/machine-format.md); when it is empty the built-in
// example for "levels" is used, as vmsim does without --machine.
#include "examples.hpp"
#include "machine_file.hpp"
#include "memmap.hpp"
#include "parse.hpp"
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

struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

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

// As vmsim's parse_va and access_type (sim/vmsim/common.cpp, cmd_walk.cpp): same checks, same words.
std::uint64_t parse_va(const std::string& text, const PagingMode& mode) {
    auto v = parse_u64(text);
    if (!v) throw InputError(fmt::format("bad virtual address: {}", v.error));
    if (!mode.canonical && v.value >= mode.va_limit())
        throw InputError(fmt::format("virtual address {} does not fit in {}'s 32-bit address space", text, mode.key));
    return v.value;
}

AccessType access_type(const std::string& s) {
    if (s == "r" || s == "read") return AccessType::Read;
    if (s == "w" || s == "write") return AccessType::Write;
    if (s == "x" || s == "exec" || s == "execute" || s == "fetch") return AccessType::Execute;
    throw InputError(fmt::format("--access must be r, w or x, not '{}'", s));
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

json dispatch(const json& req) {
    const std::string cmd = req.value("cmd", std::string());
    if (cmd == "translate") return translate(req);
    if (cmd == "map") return map(req);
    if (cmd == "example") return example(req);
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
