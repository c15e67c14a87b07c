// The checks of an exercise's output (lessons/README.md lists them).
#include "lessons.hpp"

#include "lesson_answer.hpp"
#include "line_regex.hpp"

#include <fmt/format.h>
#include <regex>
#include <set>

namespace vmtour {

namespace {

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < s.size()) {
        const std::size_t nl = s.find('\n', start);
        lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return lines;
}

std::string show(const std::string& line) { return line.size() > 120 ? line.substr(0, 117) + "..." : line; }

// The first line where two texts differ, as a learner reads a diff.
std::string first_difference(const std::string& want, const std::string& have) {
    const auto a = split_lines(want), b = split_lines(have);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const std::string x = i < a.size() ? a[i] : "(end of output)", y = i < b.size() ? b[i] : "(end of output)";
        if (x != y) return fmt::format("line {}:\n  expected: {}\n  got:      {}", i + 1, show(x), show(y));
    }
    return "the texts differ";
}

struct VaPa {
    std::uint64_t va, pa;
};

// Every "VA=0x... -> PA=0x..." line (that starts with `prefix`, if given).
std::vector<VaPa> va_pa_lines(const std::vector<std::string>& lines, const std::string& prefix) {
    static const std::regex re("VA=0x([0-9a-fA-F]+) -> PA=0x([0-9a-fA-F]+)");
    std::vector<VaPa> out;
    std::smatch m;
    for (const auto& l : lines)
        if (l.rfind(prefix, 0) == 0 && std::regex_search(l, m, re))
            out.push_back({std::stoull(m[1].str(), nullptr, 16), std::stoull(m[2].str(), nullptr, 16)});
    return out;
}

// "" when the invariant holds, else why not.
std::string invariant(const std::string& name, const std::vector<VaPa>& p) {
    constexpr std::uint64_t page = 4096, huge = 2 << 20;
    if (p.size() < 2) return fmt::format("needs at least two VA=... -> PA=... lines, found {}", p.size());
    auto at = [&](std::size_t i, const char* what) {
        return fmt::format("line {} of the VA/PA lines (VA={:#x} PA={:#x}) {}", i + 1, p[i].va, p[i].pa, what);
    };
    std::set<std::uint64_t> frames;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (name == "va-consecutive" && i && p[i].va != p[i - 1].va + page) return at(i, "does not follow the previous VA by 0x1000");
        if (name == "va-gaps" && i && (p[i].va == p[i - 1].va + page || p[i].va + page == p[i - 1].va))
            return at(i, "is right next to the previous VA");
        if (name == "pa-consecutive" && i && p[i].pa != p[i - 1].pa + page) return at(i, "does not follow the previous PA by 0x1000");
        if (name == "pa-distinct" && !frames.insert(p[i].pa / page).second) return at(i, "has a frame seen before");
        if (name == "pa-same" && p[i].pa / page != p[0].pa / page) return at(i, "is not the first line's frame");
        if (name == "page-offset" && p[i].va % page != p[i].pa % page) return at(i, "has a PA offset that is not the VA's");
        if (name == "direct-map" && p[i].va - p[i].pa != p[0].va - p[0].pa) return at(i, "is not at the first line's VA - PA distance");
        if (name == "huge-2m") {
            const std::size_t first = i - i % 512;
            if (p[first].va % huge || p[first].pa % huge) return at(first, "does not start a 2 MiB-aligned run");
            if (p[i].va - p[first].va != (i - first) * page || p[i].pa - p[first].pa != (i - first) * page)
                return at(i, "breaks a 2 MiB run of consecutive frames");
        }
    }
    if (name == "huge-2m" && p.size() % 512) return fmt::format("{} pages are not whole 2 MiB pages (512 each)", p.size());
    return "";
}

// "" when the check holds, else why not.
std::string check_one(const ExerciseCheck& c, const std::string& output, std::optional<int> exit_status,
                      const std::optional<std::string>& expected) {
    const auto lines = split_lines(output);
    const auto& a = c.args;
    if (c.kind == "exact") {
        if (!expected) return "no expected output yet: run `vmsim lesson check N --update` and review the diff";
        std::string want = *expected;
        std::string have = output;
        if (exit_status) {
            have = exact_text(output, *exit_status);
        } else {  // an output recorded elsewhere has no exit status
            const auto cut = want.rfind("[exit ");
            if (cut != std::string::npos) want.erase(cut);
            if (!have.empty() && have.back() != '\n') have += '\n';
        }
        return want == have ? "" : first_difference(want, have);
    }
    if (c.kind == "exit") {
        if (!exit_status || *exit_status == std::stoi(a[0])) return "";
        return fmt::format("exit status {}, expected {}", *exit_status, a[0]);
    }
    if (c.kind == "lines")
        return lines.size() == std::stoul(a[0]) ? "" : fmt::format("{} lines, expected {}", lines.size(), a[0]);
    if (c.kind == "invariant") return invariant(a[0], va_pa_lines(lines, a.size() > 1 ? a[1] : ""));
    if (c.kind == "frames") {
        std::set<std::uint64_t> frames;
        for (const auto& p : va_pa_lines(lines, a.size() > 1 ? a[1] : "")) frames.insert(p.pa / 4096);
        return frames.size() == std::stoul(a[0]) ? "" : fmt::format("{} distinct frames, expected {}", frames.size(), a[0]);
    }
    // validate() compiled it once already; a pattern that does not compile cannot get here.
    const LineRegex re = LineRegex::compile(c.kind == "count" ? a[1] : a[0]).value;
    if (c.kind == "all") {
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (!re.match(lines[i])) return fmt::format("line {} does not match: {}", i + 1, show(lines[i]));
        return lines.empty() ? "no output" : "";
    }
    if (c.kind == "has") {
        for (const auto& l : lines)
            if (re.search(l)) return "";
        return "no line has it";
    }
    std::size_t n = 0;  // count
    for (const auto& l : lines) n += re.match(l);
    return n == std::stoul(a[0]) ? "" : fmt::format("{} matching lines, expected {}", n, a[0]);
}

}  // namespace

CheckResult check_output(const Exercise& e, const std::string& output, std::optional<int> exit_status,
                         const std::optional<std::string>& expected) {
    for (const ExerciseCheck& c : e.checks) {
        const std::string why = c.kind == "answer" ? answer_in_output(e, output) : check_one(c, output, exit_status, expected);
        if (!why.empty()) return {false, fmt::format("check {}: {}", c.text, why)};
    }
    return {};
}

}  // namespace vmtour
