// The memory map and the table-cost chart as pictures.
#include "svg.hpp"

#include "parse.hpp"
#include "render.hpp"
#include "svg_doc.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace vmtour {

namespace {

using svg::Doc;
using svg::Style;

// Each symbol of memmap.hpp's legend: a colour, a pattern (pages solid, tables hatched) and the
// symbol itself written in the cell, so the map reads in black and white.
struct Symbol {
    char c;
    const char* colour;
    const char* pattern;  // empty: plain
    const char* meaning;
};
constexpr Symbol SYMBOLS[] = {
    {'.', "#ffffff", "", "nothing mapped"},
    {'X', "#e15759", "", "supervisor page"},
    {'R', "#edc948", "", "user read-only page"},
    {'*', "#59a14f", "", "user read/write page"},
    {'x', "#f4a3a4", "p-table", "table, first page supervisor"},
    {'r', "#f6e4a2", "p-table", "table, first page user read-only"},
    {'+', "#a9d59f", "p-table", "table, first page user read/write"},
};
const Symbol& symbol(char c) {
    for (const Symbol& s : SYMBOLS)
        if (s.c == c) return s;
    return SYMBOLS[0];
}

// Where user space ends: the lower/upper half in 64-bit modes (SDM 3.3.7.1), Linux's default
// 3G/1G split (PAGE_OFFSET 0xc0000000) in the 32-bit ones.
std::uint64_t kernel_start(const PagingMode& mode) { return mode.canonical ? mode.va_limit() / 2 : 0xc0000000; }

}  // namespace

std::string svg_memmap(const Machine& m, const MemoryMap& map) {
    const PagingMode& mode = *m.mode;
    const LevelDesc& d = mode.level[map.level];
    Doc doc(1280, 720, fmt::format("memory map of {}", m.name));
    doc.text(40, 34, fmt::format("memory map: {}", map.title), 24, "start", R"(font-weight="bold")");
    doc.text(40, 58, fmt::format("{} on the {}: one cell per {} ({} each)", mode.title, m.name, d.entry,
                                 format_size(map.cell_span)), 15);
    const std::size_t count = map.cells.size();
    const std::size_t per_row = count >= 64 ? 64 : count;
    const std::size_t rows = (count + per_row - 1) / per_row;
    const double left = 210, top = 84, avail_w = 980, avail_h = 520;
    const double cell = std::min({avail_w / per_row, avail_h / rows, 40.0});
    const unsigned addr_digits = mode.va_bits <= 32 ? 8 : 16;
    const std::uint64_t mask = mode.va_limit() - 1;
    const std::uint64_t base = map.first_va & mask;  // the view's start before sign extension
    for (std::size_t r = 0; r < rows; ++r) {
        std::uint64_t va = base + r * per_row * map.cell_span;
        if (mode.canonical && (va >> (mode.va_bits - 1)) & 1) va |= ~mask;
        doc.mono(left - 8, top + r * cell + cell * 0.72, fmt::format("{:#0{}x}", va, addr_digits + 2),
                 std::min(cell * 0.8, 13.0), "end");
    }
    for (std::size_t i = 0; i < count; ++i) {
        const Symbol& s = symbol(map.cells[i]);
        const double x = left + (i % per_row) * cell, y = top + (i / per_row) * cell;
        doc.open(fmt::format(R"(data-cell="{}" class="cell")", i));
        doc.rect(x, y, cell, cell, Style{s.colour, "#999", 0.5, ""});
        if (*s.pattern) doc.rect(x, y, cell, cell, Style{fmt::format("url(#{})", s.pattern), "none", 0, ""});
        if (s.c != '.') doc.mono(x + cell / 2, y + cell * 0.75, std::string(1, s.c), cell * 0.8, "middle",
                                 R"(font-weight="bold")");
        doc.close();
    }
    // The user/kernel boundary, where the view holds it on a cell edge.
    const std::uint64_t split = kernel_start(mode);
    if (split > base && split < base + count * map.cell_span && (split - base) % map.cell_span == 0) {
        const std::size_t i = (split - base) / map.cell_span;
        const double x = left + (i % per_row) * cell, y = top + (i / per_row) * cell;
        const Style thick{"none", "#000", 4, ""};
        const double right = left + per_row * cell;
        if (i % per_row) {  // a step: along the top from the boundary, down its left edge, along the bottom
            doc.line(x, y, right, y, thick);
            doc.line(x, y, x, y + cell, thick);
            doc.line(left, y + cell, x, y + cell, thick);
        } else {
            doc.line(left, y, right, y, thick);
        }
        doc.text(left + per_row * cell + 6, y - 4, "user", 13, "start", R"(font-style="italic")");
        doc.text(left + per_row * cell + 6, y + 14, "kernel", 13, "start", R"(font-style="italic")");
        doc.text(40, 620, fmt::format("thick line: user | kernel at {:#x}{}", mode.canonical ? split | ~mask : split,
                                      mode.canonical ? " (upper half)" : " (Linux's 3G/1G split)"), 14);
    }
    // The legend: pages on one line, tables on the next.
    for (std::size_t k = 0; k < std::size(SYMBOLS); ++k) {
        const Symbol& s = SYMBOLS[k];
        const bool table = k >= 4;
        const double lx = 40 + (table ? 180 + (k - 4) * 250.0 : k * 180.0), ly = table ? 680 : 648;
        doc.rect(lx, ly, 22, 22, Style{s.colour, "#555", 1, ""});
        if (*s.pattern) doc.rect(lx, ly, 22, 22, Style{fmt::format("url(#{})", s.pattern), "none", 0, ""});
        if (s.c != '.') doc.mono(lx + 11, ly + 17, std::string(1, s.c), 16, "middle", R"(font-weight="bold")");
        doc.text(lx + 28, ly + 16, s.meaning, 13);
    }
    return doc.finish();
}

std::string svg_cost(std::span<const ModeCost> costs, std::span<const Region> regions) {
    const std::uint64_t pages = costs.empty() ? 0 : costs.front().pages;
    Doc doc(1280, 720, "page-table memory per mode");
    doc.text(40, 34, "page-table memory: levels against one flat table", 24, "start", R"(font-weight="bold")");
    doc.text(40, 58, fmt::format("{} region{}, {} page{} of 4 KB mapped; bars on a logarithmic scale (each grid "
                                 "line is 1024 times the last)", regions.size(), regions.size() == 1 ? "" : "s", pages,
                                 pages == 1 ? "" : "s"),
             15);
    // Log scale from 1 KiB to the largest flat table, so 8 KiB and 256 PiB share a chart.
    long double top = 4096;
    for (const ModeCost& c : costs) top = std::max(top, c.flat_bytes);
    const double lo = 10, hi = std::ceil(std::log2(static_cast<double>(top)) / 10) * 10;  // 1 KiB .. whole units
    const double bar_x = 260, bar_w = 760;
    auto len = [&](long double bytes) {
        const double b = std::max(1.0, std::log2(static_cast<double>(std::max<long double>(bytes, 1))));
        return std::max(2.0, (std::clamp(b, lo, hi) - lo) / (hi - lo) * bar_w);
    };
    const double chart_top = 80, chart_bottom = 640;
    for (double e = lo; e <= hi; e += 10) {
        const double x = bar_x + (e - lo) / (hi - lo) * bar_w;
        doc.line(x, chart_top, x, chart_bottom, Style{"none", "#bbb", 1, R"(stroke-dasharray="4 4")"});
        doc.text(x, chart_bottom + 18, human_bytes(std::pow(2.0L, e)), 12, "middle");
    }
    std::size_t rows = 0;
    for (const ModeCost& c : costs) rows += c.levels.size() + 3;
    const double row_h = std::min(26.0, (chart_bottom - chart_top) / std::max<std::size_t>(rows, 1));
    double y = chart_top + 4;
    for (const ModeCost& c : costs) {
        doc.text(40, y + row_h * 0.7, c.mode->title, std::min(15.0, row_h * 0.7), "start", R"(font-weight="bold")");
        y += row_h;
        auto bar = [&](const std::string& label, long double bytes, std::string_view colour, std::string_view pattern,
                       const std::string& value) {
            doc.text(bar_x - 10, y + row_h * 0.68, label, std::min(13.0, row_h * 0.6), "end");
            doc.patterned(bar_x, y + 2, len(bytes), row_h - 5, colour, pattern, Style{"none", "#222", 1, ""});
            doc.mono(bar_x + len(bytes) + 6, y + row_h * 0.68, value, std::min(12.0, row_h * 0.55));
            y += row_h;
        };
        for (const LevelCost& l : c.levels)
            bar(fmt::format("{} {} x {}", c.mode->level[l.level].table, l.tables,
                            human_bytes(static_cast<long double>(c.mode->table_bytes(l.level)))),
                static_cast<long double>(l.bytes), svg::LEVEL_COLOURS[l.level], svg::LEVEL_PATTERNS[l.level],
                human_bytes(static_cast<long double>(l.bytes)));
        bar("total", static_cast<long double>(c.total_bytes), "#888", "p-dots",
            human_bytes(static_cast<long double>(c.total_bytes)));
        bar(fmt::format("flat, {}-bit space", c.mode->va_bits), c.flat_bytes, svg::FAULT_COLOUR, "p-fault",
            human_bytes(c.flat_bytes));
    }
    doc.text(40, 690, "patterns: one per level (as in the walk picture); dots = total; crossed = the flat table", 13);
    return doc.finish();
}

}  // namespace vmtour
