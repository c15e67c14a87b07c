#include "snapshot_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

namespace vmtour {

namespace {

constexpr std::uint64_t PAGE = 4096;

// The header lines of a machine file (docs/machine-format.md) a snapshot may have.
constexpr std::array<std::string_view, 10> HEADER_KEYS = {
    "vmtour-machine", "mode", "cr3", "cr0.wp", "cr4.pse", "cr4.smep", "cr4.smap", "efer.nxe", "maxphyaddr", "rflags.ac"};

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// Splits at blanks.
std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t j = std::min(s.find_first_of(" \t", i), s.size());
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool is_header_key(std::string_view word) {
    return std::find(HEADER_KEYS.begin(), HEADER_KEYS.end(), word) != HEADER_KEYS.end();
}

// "# ko5204 snapshot of pid 99 (vmreal), range 0x1000 0x3000": the pid and the range.
void read_owner(std::string_view comment, SnapshotText& s) {
    constexpr std::string_view PREFIX = "# ko5204 snapshot of pid ";
    if (s.pid || comment.rfind(PREFIX, 0) != 0) return;
    const auto w = words(comment.substr(PREFIX.size()));
    const auto range_at = comment.rfind(", range ");
    if (w.empty() || range_at == std::string_view::npos) return;
    const auto r = words(comment.substr(range_at + 8));
    const auto pid = parse_u64(w[0]);
    if (r.size() != 2 || !pid) return;
    const auto start = parse_u64(r[0]), end = parse_u64(r[1]);
    if (!start || !end) return;
    s.pid = pid.value;
    s.range = {start.value, end.value};
}

// One line of a snapshot into `s`; an error message, or "".
std::string read_line(std::string_view raw, SnapshotText& s) {
    const std::string_view line = trim(raw);
    if (line.empty()) return "";
    if (line.front() == '#') {
        if (s.header.empty()) {
            s.comments.emplace_back(line);
            read_owner(line, s);
        } else {
            s.trailer.emplace_back(line);
        }
        return "";
    }
    const auto hash = line.find('#');
    const std::string_view code = trim(line.substr(0, hash));
    const auto w = words(code);
    if (w[0] == "expect") {
        s.expects.emplace_back(code);
        return "";
    }
    if (w[0] == "table") {
        const auto pa = w.size() == 2 ? parse_u64(w[1]) : Parsed<std::uint64_t>{0, "one address"};
        if (!pa) return fmt::format("bad table line '{}': {}", code, pa.error);
        const std::string_view label = hash == std::string_view::npos ? "" : trim(line.substr(hash + 1));
        s.tables.push_back({pa.value, std::string(label), {}});
        return "";
    }
    if (is_header_key(w[0])) {
        if (!s.tables.empty()) return fmt::format("'{}' after the first table", w[0]);
        s.header.emplace_back(code);
        return "";
    }
    if (w.size() == 2 && std::isdigit(static_cast<unsigned char>(w[0][0]))) {
        const auto index = parse_u64(w[0]), value = parse_u64(w[1]);
        if (s.tables.empty()) return fmt::format("entry '{}' before any table", code);
        if (!index || !value) return fmt::format("bad entry '{}'", code);
        s.tables.back().entries.push_back({index.value, value.value, std::string(w[1])});
        return "";
    }
    return fmt::format("unexpected '{}' in a snapshot", code);
}

// A table's entries by index, merged over the snapshots.
struct MergedTable {
    std::uint64_t pa = 0;
    std::string label;
    std::map<std::uint64_t, SnapshotText::Entry> entries;
};

std::string merge_table(const SnapshotText::Table& t, std::vector<MergedTable>& tables) {
    auto it = std::find_if(tables.begin(), tables.end(), [&](const MergedTable& m) { return m.pa == t.pa; });
    if (it == tables.end()) it = tables.insert(tables.end(), MergedTable{t.pa, t.label, {}});
    for (const auto& e : t.entries) {
        const auto [at, fresh] = it->entries.emplace(e.index, e);
        if (!fresh && at->second.value != e.value)
            return fmt::format("table {:#x} entry {} is {} in one snapshot and {} in another: the page tables "
                               "changed between the snapshots",
                               t.pa, e.index, at->second.text, e.text);
    }
    return "";
}

void append_line(std::string& out, std::string_view line) {
    out += line;
    out += '\n';
}

}  // namespace

std::vector<VaRange> plan_snapshots(std::span<const std::uint64_t> page_vas, std::uint64_t max_bytes,
                                    std::uint64_t max_gap) {
    std::vector<std::uint64_t> pages(page_vas.begin(), page_vas.end());
    for (auto& va : pages) va &= ~(PAGE - 1);
    std::sort(pages.begin(), pages.end());
    pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
    std::vector<VaRange> out;
    for (std::uint64_t va : pages) {
        const bool joins = !out.empty() && va - out.back().end <= max_gap && va + PAGE - out.back().start <= max_bytes;
        if (joins) out.back().end = va + PAGE;
        else out.push_back({va, va + PAGE});
    }
    return out;
}

Parsed<SnapshotText> parse_snapshot(std::string_view text) {
    Parsed<SnapshotText> out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        std::string error = read_line(line, out.value);
        if (!error.empty()) {
            out.error = fmt::format("line {}: {}", line_no, error);
            return out;
        }
    }
    if (out.value.header.empty() || out.value.header.front() != "vmtour-machine 1")
        out.error = "not a machine file (no 'vmtour-machine 1' line)";
    else if (out.value.tables.empty())
        out.error = "a snapshot without tables";
    return out;
}

std::string expect_line(std::uint64_t va, std::uint64_t pa, std::string_view source) {
    return fmt::format("expect {:#x} {:#x} {}", va, pa, source);
}

Parsed<std::string> merge_snapshots(std::span<const SnapshotText> parts, std::span<const std::string> extra_expects,
                                    std::string_view title) {
    Parsed<std::string> out;
    if (parts.empty()) {
        out.error = "no snapshot to merge";
        return out;
    }
    std::vector<MergedTable> tables;
    for (const SnapshotText& p : parts) {
        if (p.header != parts.front().header) {
            out.error = fmt::format("two snapshots disagree on the machine: '{}' and '{}'",
                                    fmt::join(parts.front().header, "; "), fmt::join(p.header, "; "));
            return out;
        }
        for (const auto& t : p.tables) {
            out.error = merge_table(t, tables);
            if (!out.error.empty()) return out;
        }
    }
    std::string& text = out.value;
    append_line(text, fmt::format("# {}", title));
    for (const std::string& c : parts.front().comments) append_line(text, c);
    for (const SnapshotText& p : parts.subspan(1))
        if (!p.comments.empty()) append_line(text, p.comments.front());
    for (const std::string& h : parts.front().header) append_line(text, h);
    for (const MergedTable& t : tables) {
        append_line(text, t.label.empty() ? fmt::format("table {:#x}", t.pa) : fmt::format("table {:#x}  # {}", t.pa, t.label));
        for (const auto& [index, e] : t.entries) append_line(text, fmt::format("  {} {}", index, e.text));
    }
    for (const SnapshotText& p : parts)
        for (const std::string& e : p.expects) append_line(text, e);
    for (const std::string& e : extra_expects) append_line(text, e);
    for (const SnapshotText& p : parts)
        for (const std::string& c : p.trailer) append_line(text, c);
    return out;
}

Parsed<std::vector<KernelPage>> parse_kernel_pages(std::string_view answer, std::string_view label) {
    Parsed<std::vector<KernelPage>> out;
    const std::string prefix = fmt::format("{}: VA=", label);
    std::size_t line_no = 0;
    while (!answer.empty()) {
        const auto nl = answer.find('\n');
        const std::string_view line = trim(answer.substr(0, nl));
        answer = nl == std::string_view::npos ? std::string_view{} : answer.substr(nl + 1);
        ++line_no;
        if (line.rfind(prefix, 0) != 0) continue;
        const auto w = words(line.substr(prefix.size()));
        const auto va = w.empty() ? Parsed<std::uint64_t>{0, "empty"} : parse_u64(w[0]);
        const auto pa = w.size() == 3 && w[1] == "->" && w[2].rfind("PA=", 0) == 0 ? parse_u64(w[2].substr(3))
                                                                                   : Parsed<std::uint64_t>{0, "no PA"};
        if (!va || !pa) {
            out.error = fmt::format("line {}: '{}' is not '{}0x... -> PA=0x...'", line_no, line, prefix);
            return out;
        }
        out.value.push_back({va.value, pa.value});
    }
    if (out.value.empty()) out.error = fmt::format("no '{}' lines", prefix);
    return out;
}

}  // namespace vmtour
