#include "lessons.hpp"

#include "lesson_answer.hpp"
#include "line_regex.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace vmtour {

namespace fs = std::filesystem;

bool Exercise::exact() const {
    return std::any_of(checks.begin(), checks.end(), [](const ExerciseCheck& c) { return c.kind == "exact"; });
}

namespace {

std::vector<std::string> words(std::string_view s, std::size_t max_words) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i == s.size()) break;
        if (out.size() + 1 == max_words) {  // the last word takes the rest of the line
            out.emplace_back(s.substr(i));
            break;
        }
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return std::string(s);
}

bool is_number(const std::string& s) {
    return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The reason a check line is malformed, or "".
std::string validate(const ExerciseCheck& c) {
    const auto& a = c.args;
    auto regex_ok = [](const std::string& r) {
        const auto re = LineRegex::compile(r);
        return re ? std::string() : fmt::format("bad regular expression '{}': {}", r, re.error);
    };
    if (c.kind == "exact") return a.empty() ? "" : "'check exact' takes nothing";
    if (c.kind == "answer") return a.empty() ? "" : "'check answer' takes nothing";
    if (c.kind == "exit" || c.kind == "lines") return a.size() == 1 && is_number(a[0]) ? "" : fmt::format("'check {} N'", c.kind);
    if (c.kind == "all" || c.kind == "has") return a.size() == 1 ? regex_ok(a[0]) : fmt::format("'check {} REGEX'", c.kind);
    if (c.kind == "count") return a.size() == 2 && is_number(a[0]) ? regex_ok(a[1]) : "'check count N REGEX'";
    if (c.kind == "frames")
        return (a.size() == 1 || a.size() == 2) && is_number(a[0]) ? "" : "'check frames N [PREFIX]'";
    if (c.kind == "invariant") {
        if (a.empty() || a.size() > 2) return "'check invariant NAME [PREFIX]'";
        if (std::find(std::begin(INVARIANTS), std::end(INVARIANTS), a[0]) == std::end(INVARIANTS))
            return fmt::format("unknown invariant '{}'", a[0]);
        return "";
    }
    return fmt::format("unknown check '{}' (exact, exit, lines, all, count, has, invariant, frames, answer)",
                       c.kind);
}

std::string finish(const Exercise& e) {
    if (e.run.empty()) return fmt::format("exercise {} has no 'run' line", e.id);
    if (e.checks.empty()) return fmt::format("exercise {} has no 'check' line", e.id);
    const bool checks_answer =
        std::any_of(e.checks.begin(), e.checks.end(), [](const ExerciseCheck& c) { return c.kind == "answer"; });
    if (checks_answer && e.answer.empty()) return fmt::format("exercise {}: 'check answer' without an 'answer' line", e.id);
    if (!e.form.empty() && e.answer.empty()) return fmt::format("exercise {}: 'form' without an 'answer' line", e.id);
    if (e.exact() && !e.recorded.empty())
        return fmt::format("exercise {}: recorded outputs are machine-dependent; check them with patterns, not 'exact'", e.id);
    return "";
}

}  // namespace

Parsed<std::vector<Exercise>> parse_exercises(std::string_view text, std::string_view name) {
    Parsed<std::vector<Exercise>> out;
    std::set<std::string> ids;
    unsigned lineno = 0;
    auto fail = [&](const std::string& why) {
        out.error = fmt::format("{}:{}: {}", name, lineno, why);
        return out;
    };
    std::istringstream in{std::string(text)};
    for (std::string raw; std::getline(in, raw);) {
        ++lineno;
        const std::string line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        const auto kw = words(line, 2);
        const std::string& key = kw[0];
        const std::string rest = kw.size() > 1 ? kw[1] : "";
        if (key == "exercise") {
            if (!out.value.empty())
                if (auto err = finish(out.value.back()); !err.empty()) return fail(err);
            static const std::regex id_re("[a-z0-9][a-z0-9-]*");
            if (!std::regex_match(rest, id_re)) return fail(fmt::format("exercise ids are lower-case words with '-': '{}'", rest));
            if (!ids.insert(rest).second) return fail(fmt::format("exercise {} appears twice", rest));
            out.value.emplace_back();
            out.value.back().id = rest;
            continue;
        }
        if (out.value.empty()) return fail(fmt::format("'{}' before the first 'exercise' line", key));
        Exercise& e = out.value.back();
        if (rest.empty()) return fail(fmt::format("'{}' needs a value", key));
        if (key == "ask") {
            e.ask += (e.ask.empty() ? "" : " ") + rest;
        } else if (key == "run") {
            if (!e.run.empty()) return fail(fmt::format("exercise {} has two 'run' lines", e.id));
            e.run = rest;
        } else if (key == "needs") {
            if (std::find(std::begin(LESSON_NEEDS), std::end(LESSON_NEEDS), rest) == std::end(LESSON_NEEDS))
                return fail(fmt::format("unknown need '{}' (root, module, thp)", rest));
            e.needs.push_back(rest);
        } else if (key == "check") {
            ExerciseCheck c{words(rest, 2)[0], {}, rest};
            const std::size_t max_args = c.kind == "count" || c.kind == "invariant" || c.kind == "frames" ? 2 : 1;
            const auto all = words(rest, 1 + max_args);
            c.args.assign(all.begin() + 1, all.end());
            if (auto err = validate(c); !err.empty()) return fail(err);
            e.checks.push_back(c);
        } else if (key == "answer" || key == "answer-set") {
            if (!e.answer.empty()) return fail(fmt::format("exercise {} has two answer lines", e.id));
            e.answer = answer_values(rest);
            e.answer_set = key == "answer-set";
            for (const std::string& v : e.answer)
                if (v.front() == '|' || v.back() == '|' || v.find("||") != std::string::npos)
                    return fail(fmt::format("'{}': alternatives are written a|b", v));
        } else if (key == "form") {
            e.form = rest;
        } else if (key == "recorded") {
            const auto w = words(rest, 2);
            if (w.size() != 2) return fail("'recorded LABEL FILE'");
            e.recorded.push_back({w[0], w[1]});
        } else {
            return fail(fmt::format("unknown line '{}' (exercise, ask, run, needs, check, recorded, answer, "
                                            "answer-set, form)", key));
        }
    }
    if (out.value.empty()) return fail("no exercises");
    if (auto err = finish(out.value.back()); !err.empty()) return fail(err);
    return out;
}

Parsed<std::vector<Lesson>> load_lessons(const std::string& dir) {
    Parsed<std::vector<Lesson>> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        out.error = fmt::format("{}: no lessons directory there", dir);
        return out;
    }
    static const std::regex folder_re("([0-9]{2})-[a-z0-9-]+");
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string slug = entry.path().filename().string();
        std::smatch m;
        if (!entry.is_directory() || !std::regex_match(slug, m, folder_re)) continue;
        Lesson l{static_cast<unsigned>(std::stoul(m[1].str())), slug, entry.path().string(), slug, {}};
        auto read = [&](const char* file, std::string& text) {  // the one bounded reader (parse.hpp)
            auto got = read_input((entry.path() / file).string(), "lesson file");
            text = std::move(got.value);
            return got.error.empty();
        };
        std::string readme, exercises;
        if (!read("README.md", readme) || !read("exercises.txt", exercises)) {
            out.error = fmt::format("{}: needs README.md and exercises.txt", l.dir);
            return out;
        }
        if (readme.rfind("# ", 0) == 0) l.title = readme.substr(2, readme.find('\n') - 2);
        static const std::regex lesson_n("Lesson [0-9]+: (.*)");  // "# Lesson 3: The walk" -> "The walk"
        std::smatch t;
        if (std::regex_match(l.title, t, lesson_n)) l.title = t[1].str();
        auto parsed = parse_exercises(exercises, (entry.path() / "exercises.txt").string());
        if (!parsed) {
            out.error = parsed.error;
            return out;
        }
        l.exercises = std::move(parsed.value);
        out.value.push_back(std::move(l));
    }
    std::sort(out.value.begin(), out.value.end(), [](const Lesson& a, const Lesson& b) { return a.number < b.number; });
    return out;
}

std::string exact_text(const std::string& output, int exit_status) {
    std::string s = output;
    if (!s.empty() && s.back() != '\n') s += '\n';
    return s + fmt::format("[exit {}]\n", exit_status);
}

}  // namespace vmtour
