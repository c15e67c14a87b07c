// `vmsim tlb --svg`: the replay's hits and misses over time (tlb_timeline.hpp).
#include "tlb_timeline.hpp"

#include "svg_doc.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace vmtour {

void TlbTimeline::halve() {
    // All columns but the last are full, and MAX_COLUMNS is even: neighbours pair up exactly.
    std::vector<Column> merged;
    merged.reserve(MAX_COLUMNS);
    for (std::size_t i = 0; i < columns_.size(); i += 2) {
        Column c = columns_[i];
        if (i + 1 < columns_.size()) {
            const Column& d = columns_[i + 1];
            c.accesses += d.accesses, c.walks += d.walks, c.faults += d.faults, c.cr3 += d.cr3, c.other += d.other;
            for (std::size_t l = 0; l < MAX_LEVELS; ++l) c.hits[l] += d.hits[l];
        }
        merged.push_back(c);
    }
    columns_ = std::move(merged);
    width_ *= 2;
}

namespace {

using svg::Doc;
using svg::Style;

// The plot's frame on the 1280x720 slide.
constexpr double LEFT = 120, RIGHT = 1220, TOP = 140, BOTTOM = 520;

// A share in per cent, with two significant digits below 10% (a real program walks on 0.0066% of
// its accesses, which "0.0%" would hide), and never rounded to 0% or 100% unless it is.
std::string pct(std::uint64_t a, std::uint64_t b) {
    if (!b) return "-";
    if (a == 0 || a == b) return a ? "100%" : "0%";
    const double p = 100.0 * static_cast<double>(a) / static_cast<double>(b);
    if (p >= 99.95) return ">99.9%";
    if (p >= 10) return fmt::format("{:.1f}%", p);
    const int decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(p))), 1, 6);
    return fmt::format("{:.{}f}%", p, decimals);
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// One outcome drawn across the columns: a line (colour, dash, width: for black and white too),
// its name, and its count in a column.
struct Series {
    std::string_view colour, dash;
    double width;
    std::string name;
    int level;  // the TLB level whose hits it counts; -1: the walks
};

// The share axis: logarithmic, a decade from 0.01% to 100% every (BOTTOM - 24 - TOP) / 4, and 0
// (no such access in the column) on the bottom line.
constexpr double DECADES = 4, ZERO_GAP = 24;
double share_y(double share) {
    if (share <= 0) return BOTTOM;
    const double d = std::clamp(std::log10(share) + DECADES, 0.0, DECADES);
    return BOTTOM - ZERO_GAP - (BOTTOM - ZERO_GAP - TOP) * d / DECADES;
}

}  // namespace

std::string svg_tlb_timeline(const Tlb& t, const TlbTimeline& tl, const TlbRunInfo& info) {
    const std::vector<TlbTimeline::Column>& cols = tl.columns();
    const std::size_t levels = std::min(t.geometry().levels.size(), TlbTimeline::MAX_LEVELS);
    std::uint64_t total = 0, walks = 0, faults = 0, cr3 = 0, other = 0;
    std::array<std::uint64_t, TlbTimeline::MAX_LEVELS> hits{};
    for (const auto& c : cols) {
        total += c.accesses, walks += c.walks, faults += c.faults, cr3 += c.cr3, other += c.other;
        for (std::size_t l = 0; l < levels; ++l) hits[l] += c.hits[l];
    }

    Doc doc(1280, 720, fmt::format("TLB hits and misses over time: {}", info.trace));
    doc.text(40, 40, "TLB hits and misses over time", 24, "start", R"(font-weight="bold")");
    doc.mono(40, 66, fmt::format("vmsim tlb {}: {}", info.trace, t.geometry().name), 15);
    doc.mono(40, 88, info.machine, 15);
    doc.open(fmt::format(R"(id="timeline" data-accesses="{}" data-walks="{}" data-faults="{}" data-columns="{}" )"
                         R"(data-width="{}" data-cr3="{}" data-other="{}")",
                         total, walks, faults, cols.size(), tl.width(), cr3, other));
    doc.rect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP, Style{"#ffffff", "#222", 1.5, ""});

    // What is drawn: the walks, and the hits of every level that only sees the accesses an
    // earlier level missed (a second level); the first levels' hits are the rest, in words.
    const auto& geo = t.geometry().levels;
    std::vector<std::size_t> first, later;
    for (std::size_t l = 0; l < levels; ++l) {
        bool shadowed = false;  // an earlier level serves some of the same accesses
        for (std::size_t k = 0; k < l; ++k)
            shadowed |= geo[k].use == TlbUse::Both || geo[l].use == TlbUse::Both || geo[k].use == geo[l].use;
        (shadowed ? later : first).push_back(l);
    }
    auto names = [&](const std::vector<std::size_t>& ls) {
        std::string s;
        for (std::size_t l : ls) s += (s.empty() ? "" : "/") + geo[l].name;
        return s;
    };
    std::vector<Series> series{{svg::FAULT_COLOUR, "", 3, "walked: a miss in every level", -1}};
    constexpr std::string_view DASHES[] = {"9 5", "3 4", "12 4 3 4"};
    for (std::size_t i = 0; i < later.size(); ++i)
        series.push_back({svg::LEVEL_COLOURS[(i + 2) % 5], DASHES[i % 3], 2.5,
                          fmt::format("hit in {} (a miss in {})", geo[later[i]].name, names(first)),
                          static_cast<int>(later[i])});
    auto x = [&](std::uint64_t accesses) {
        return LEFT + (RIGHT - LEFT) * static_cast<double>(accesses) / static_cast<double>(std::max<std::uint64_t>(total, 1));
    };
    // Light grid lines at each decade.
    for (int d = 0; d <= static_cast<int>(DECADES); ++d) {
        const double y = share_y(std::pow(10.0, d - DECADES));
        doc.line(LEFT, y, RIGHT, y, Style{"none", "#ccc", 1, R"(stroke-dasharray="2 4")"});
    }
    // Each series as a step line, one level per column; the walks also filled down to the axis.
    for (auto it = series.rbegin(); it != series.rend(); ++it) {
        std::string d;
        std::uint64_t start = 0;
        for (const auto& c : cols) {
            if (!c.accesses) continue;
            const std::uint64_t n = it->level < 0 ? c.walks : c.hits[static_cast<std::size_t>(it->level)];
            const double y = share_y(static_cast<double>(n) / static_cast<double>(c.accesses));
            d += fmt::format("{}{:.1f} {:.1f}H{:.1f}", d.empty() ? "M" : "L", x(start), y, x(start + c.accesses));
            start += c.accesses;
        }
        if (d.empty()) continue;
        if (it->level < 0)
            doc.raw(fmt::format(R"(<path d="{}V{}H{}Z" fill="{}" fill-opacity="0.25" stroke="none"/>)" "\n", d, BOTTOM,
                                LEFT, it->colour));
        doc.raw(fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}"{}/>)" "\n", d, it->colour,
                            it->width, it->dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", it->dash)));
    }
    // The events, above the column of the access that followed them.
    std::uint64_t start = 0;
    for (const auto& c : cols) {
        const double mid = (x(start) + x(start + c.accesses)) / 2;
        if (c.cr3) doc.raw(fmt::format(R"(<path d="M{:.1f} {}l-5 -9h10z" fill="#222"/>)" "\n", mid, TOP - 3));
        if (c.other) doc.line(mid, TOP - 30, mid, TOP - 18, Style{"none", "#555", 2, ""});
        start += c.accesses;
    }
    doc.close();

    // Axes.
    for (const auto& [share, label] : {std::pair{0.0, "0"}, {1e-4, "0.01%"}, {1e-3, "0.1%"}, {1e-2, "1%"}, {0.1, "10%"},
                                       {1.0, "100%"}}) {
        const double y = share_y(share);
        doc.line(LEFT - 6, y, LEFT, y, Style{"none", "#222", 1, ""});
        doc.text(LEFT - 10, y + 5, label, 14, "end");
    }
    doc.text(50, (TOP + BOTTOM) / 2, "share of the accesses", 15, "middle",
             fmt::format(R"x(transform="rotate(-90 50 {})")x", (TOP + BOTTOM) / 2));
    doc.text(LEFT, BOTTOM + 22, "0", 14, "start");
    doc.text(RIGHT, BOTTOM + 22, fmt::format("{}", total), 14, "end");
    doc.text((LEFT + RIGHT) / 2, BOTTOM + 22,
             fmt::format("accesses, in trace order (each column: {})",
                         plural(tl.width(), "access", "accesses")), 15, "middle");

    // The legend, in shapes and words.
    double lx = 40;
    const double ly = 572;
    for (const Series& sr : series) {
        doc.line(lx, ly - 5, lx + 36, ly - 5,
                 Style{"none", std::string(sr.colour), sr.width,
                       sr.dash.empty() ? "" : fmt::format(R"(stroke-dasharray="{}")", sr.dash)});
        doc.text(lx + 44, ly, sr.name, 14);
        lx += 44 + 7.6 * static_cast<double>(sr.name.size()) + 28;
    }
    doc.raw(fmt::format(R"(<path d="M{} {}l-5 -9h10z" fill="#222"/>)" "\n", lx + 5, ly));
    doc.text(lx + 16, ly, "MOV to CR3", 14);
    lx += 120;
    doc.line(lx + 4, ly - 14, lx + 4, ly - 2, Style{"none", "#555", 2, ""});
    doc.text(lx + 14, ly, "INVLPG, INVPCID, CR4, set", 14);

    // The totals in words.
    std::string verdict = total ? fmt::format("{} of {} accesses walked ({})", walks, total, pct(walks, total))
                                : std::string("no accesses in this trace");
    doc.text(40, 640, verdict, 20, "start", R"(font-weight="bold")");
    std::uint64_t first_hits = 0;
    for (std::size_t l : first) first_hits += hits[l];
    std::string detail = fmt::format("{} hit {} ({})", names(first), first_hits, pct(first_hits, total));
    for (std::size_t l : later) detail += fmt::format(", {} hit {} ({})", geo[l].name, hits[l], pct(hits[l], total));
    detail += fmt::format("; {}, {}, {}", plural(cr3, "CR3 write", "CR3 writes"),
                          plural(other, "other event", "other events"), plural(faults, "fault", "faults"));
    doc.text(40, 672, detail, 15);
    return doc.finish();
}

}  // namespace vmtour
