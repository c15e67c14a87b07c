// vmreal tlb's curve as a picture: time per access against the number of pages the chase touches,
// so the steps where a TLB level runs out of reach are seen, not read off a table.
#include "svg.hpp"

#include "render.hpp"
#include "svg_doc.hpp"
#include "text.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace vmtour {

namespace {

using svg::Doc;
using svg::Style;

constexpr double PAGE = 4096;
// The plot's frame on the 1280x720 slide; the words go under it.
constexpr double LEFT = 110, RIGHT = 1230, TOP = 112, BOTTOM = 524;

// Each line differs by mark and dash as well as by colour, so a black-and-white print reads.
struct Series {
    const char* name;
    const char* colour;
    const char* dash;  // stroke-dasharray of the line and of its knees; "" solid
    bool square;       // marks: hollow squares, else filled circles
};
constexpr Series S4K{"4K pages", "#4e79a7", "", false};
constexpr Series STHP{"THP (transparent huge pages)", "#e15759", "9 5", true};
constexpr const char* KNEE_DASH_4K = "6 4";
constexpr const char* KNEE_DASH_THP = "2 4";

void mark(Doc& doc, double x, double y, const Series& s) {
    if (s.square) doc.rect(x - 4.5, y - 4.5, 9, 9, Style{"#fff", s.colour, 2, ""});
    else doc.raw(fmt::format(R"(<circle cx="{:g}" cy="{:g}" r="4.5" fill="{}" stroke="#111" stroke-width="1"/>)"
                             "\n", x, y, s.colour));
}

std::string dash_attr(const char* dash) {
    return *dash ? fmt::format(R"(stroke-dasharray="{}")", dash) : std::string();
}

// Words cut into lines of at most `width` characters by text.hpp's wrap (the slide's words are
// not measured, so a line's length in characters stands for its width: 15px DejaVu Sans is about
// 8 px a character).
std::vector<std::string> wrapped_lines(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    const std::string all = wrap(text, width);
    for (std::size_t from = 0; from <= all.size();) {
        const std::size_t nl = std::min(all.find('\n', from), all.size());
        lines.push_back(all.substr(from, nl - from));
        from = nl + 1;
    }
    return lines;
}

// What the steps mean, in words, from what was measured.
std::string verdict(const TlbCurve& c) {
    std::string s;
    const std::size_t k = c.knees_4k.size();
    if (k == 0)
        s = "The 4K line has no step of 30% or more: every N measured may lie within one TLB level's reach "
            "(try a wider --min/--max).";
    else
        s = fmt::format("The 4K line steps up {}: a step is a TLB level running out of reach, or a data cache "
                        "(N lines of 64 bytes); left of the first knee the first-level TLB holds every page.",
                        k == 1 ? std::string("once") : fmt::format("{} times", k));
    if (c.thp) {
        s += " With huge pages one TLB entry covers 2 MiB (512 of these pages), so the TLB's steps move 512 times "
             "further right: a step only the 4K line takes is the TLB's, one both lines share is a data cache's.";
        double least = 1;
        for (const TlbCurvePoint& p : c.points)
            if (p.ns_thp && p.thp_fraction >= 0 && p.pages * PAGE >= 2 * 1024 * 1024)
                least = std::min(least, p.thp_fraction);
        if (least < 0.5)
            s += fmt::format(" The kernel backed as little as {:.0f}% of a THP buffer of 2 MiB or more with huge "
                             "pages (AnonHugePages): there the THP line is partly 4K pages.", 100 * least);
    }
    if (c.hypervisor)
        s += fmt::format(" This CPU runs under a hypervisor: a TLB miss walks the guest's tables and the host's "
                         "(EPT/NPT), so misses cost more than on bare metal{}", c.thp ? "; and where the host maps "
                         "the guest's memory with 4 KiB pages, the TLB holds a guest's huge page in 4 KiB pieces, "
                         "so THP need not move the steps." : ".");
    return s;
}

// The plot's scales: x is log2 of N over whole powers of two around the run, with a quarter of a
// power spare at each end so the first and last marks clear the frame; y is logarithmic over whole
// decades around the run: a knee is a step by a factor (30% or more), and on a log scale every such
// step has the same height, so the first-level TLB's 1 -> 3 ns shows as plainly as a walk's 50 ->
// 200 ns (on a linear scale it was lost on the floor).
struct Plot {
    double lo = 1, hi = 2;  // log2 of the first and last grid line
    double ylo = 0, yhi = 1;  // log10 of the lowest and highest grid line, in ns
    std::vector<std::vector<std::pair<double, double>>> lines;  // each series' points, in pixels

    explicit Plot(const TlbCurve& c) {
        std::uint64_t lo_n = ~std::uint64_t{0}, hi_n = 0;
        double largest = 0, smallest = HUGE_VAL;
        for (const TlbCurvePoint& p : c.points) {
            lo_n = std::min(lo_n, std::max<std::uint64_t>(p.pages, 1));
            hi_n = std::max(hi_n, p.pages);
            largest = std::max({largest, p.ns_4k, p.ns_thp.value_or(0)});
            for (double ns : {p.ns_4k, p.ns_thp.value_or(0)})
                if (ns > 0) smallest = std::min(smallest, ns);
        }
        if (hi_n) {
            lo = std::floor(std::log2(static_cast<double>(lo_n)));
            hi = std::max(lo + 1, std::ceil(std::log2(static_cast<double>(hi_n))));
        }
        if (largest > 0) {  // from the 1, 2 or 5 times a power of ten at or below the least to the one above
            const double e0 = std::floor(std::log10(smallest)), e1 = std::floor(std::log10(largest));
            ylo = e0, yhi = e1 + 1;
            for (double m : {5.0, 2.0})
                if (m * std::pow(10.0, e0) <= smallest) {
                    ylo = e0 + std::log10(m);
                    break;
                }
            for (double m : {1.0, 2.0, 5.0})
                if (m * std::pow(10.0, e1) >= largest) {
                    yhi = e1 + std::log10(m);
                    break;
                }
            yhi = std::max(yhi, ylo + std::log10(2.0));
        }
    }
    double x(double n) const { return LEFT + (RIGHT - LEFT) * (std::log2(n) - lo + 0.25) / (hi - lo + 0.5); }
    // A time of 0 (nothing measured) sits on the bottom line.
    double y(double ns) const {
        const double d = ns > 0 ? std::clamp(std::log10(ns), ylo, yhi) : ylo;
        return BOTTOM - (BOTTOM - TOP) * (d - ylo) / (yhi - ylo);
    }

    // How many pixels of the rows [y0, y1] the curves (lines and marks) cover in the columns
    // [x0, x1]: where a knee's words would hide the least.
    double covered(double x0, double x1, double y0, double y1) const {
        double sum = 0;
        auto add = [&](double a, double b) { sum += std::max(0.0, std::min(b, y1) - std::max(a, y0)); };
        for (const auto& line : lines)
            for (std::size_t i = 0; i < line.size(); ++i) {
                const auto [px, py] = line[i];
                if (px >= x0 - 5 && px <= x1 + 5) add(py - 5, py + 5);
                if (i == 0) continue;
                const auto [qx, qy] = line[i - 1];
                const double a = std::max(qx, x0), b = std::min(px, x1);
                if (a > b || px == qx) continue;
                const double ya0 = qy + (py - qy) * (a - qx) / (px - qx), ya1 = qy + (py - qy) * (b - qx) / (px - qx);
                add(std::min(ya0, ya1) - 2, std::max(ya0, ya1) + 2);
            }
        return sum;
    }
};

// Grid and axes: a line at every power of two, labelled with N and the memory N 4K pages cover
// (every k-th power when they would crowd), and ns from 0.
void axes(Doc& doc, const Plot& p) {
    const auto every = static_cast<int>(std::ceil(70 / ((RIGHT - LEFT) / (p.hi - p.lo + 0.5))));
    for (int e = static_cast<int>(p.lo); e <= static_cast<int>(p.hi); ++e) {
        const double n = std::ldexp(1.0, e), gx = p.x(n);
        doc.line(gx, TOP, gx, BOTTOM, Style{"none", "#ddd", 1, ""});
        if ((e - static_cast<int>(p.lo)) % every) continue;
        doc.mono(gx, BOTTOM + 18, fmt::format("{:g}", n), 13, "middle");
        doc.text(gx, BOTTOM + 34, human_bytes(static_cast<long double>(n * PAGE)), 12, "middle", R"(fill="#555")");
    }
    // 1, 2 and 5 times each power of ten (only the powers when there are more than three decades).
    const double decades = p.yhi - p.ylo;
    for (int e = static_cast<int>(std::floor(p.ylo)); e <= static_cast<int>(std::ceil(p.yhi)); ++e)
        for (double m : {1.0, 2.0, 5.0}) {
            const double v = m * std::pow(10.0, e);
            if (std::log10(v) < p.ylo - 1e-9 || std::log10(v) > p.yhi + 1e-9 || (m != 1 && decades > 3)) continue;
            doc.line(LEFT, p.y(v), RIGHT, p.y(v), Style{"none", m == 1 ? "#bbb" : "#e4e4e4", 1, ""});
            doc.mono(LEFT - 8, p.y(v) + 4, fmt::format("{:g}", v), 13, "end");
        }
    doc.rect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP, Style{"none", "#222", 1.5, ""});
    doc.text((LEFT + RIGHT) / 2, BOTTOM + 58,
             "N pages touched, one line in each (logarithmic, base 2); under each N the memory N 4 KiB pages span",
             15, "middle");
    doc.text(44, (TOP + BOTTOM) / 2, "ns per access (median, logarithmic)", 15, "middle",
             fmt::format(R"x(transform="rotate(-90 44 {:g})")x", (TOP + BOTTOM) / 2));
}

// The knees: a dashed line at N, its words written up along the line (4K on its left, THP on its
// right), so labels never cover each other however many knees a noisy run finds; from the top or
// the bottom of the line, whichever hides less of the curves, which are drawn over them.
void knees(Doc& doc, const Plot& p, const std::vector<TlbCurveKnee>& ks, const char* what, const Series& s,
           const char* dash) {
    for (const TlbCurveKnee& k : ks) {
        const double kx = p.x(static_cast<double>(k.pages));
        const std::string label = fmt::format("{} knee: {} pages ({}), {:.1f} -> {:.1f} ns", what, k.pages,
                                              human_bytes(static_cast<long double>(k.pages * PAGE)), k.before, k.after);
        const double length = 6.6 * static_cast<double>(label.size());  // 12px DejaVu Sans, about
        const double x0 = s.square ? kx + 4 : kx - 18, x1 = x0 + 14;  // the column the words take
        const bool top = p.covered(x0, x1, TOP, TOP + 6 + length) <= p.covered(x0, x1, BOTTOM - 6 - length, BOTTOM);
        const double tx = s.square ? kx + 15 : kx - 6, ty = top ? TOP + 6 : BOTTOM - 6;
        doc.line(kx, TOP, kx, BOTTOM, Style{"none", s.colour, 1.8, dash_attr(dash)});
        doc.text(tx, ty, label, 12, top ? "end" : "start",
                 fmt::format(R"x(class="knee" transform="rotate(-90 {:g} {:g})" stroke="#fff" stroke-width="4" )x"
                             R"(paint-order="stroke")", tx, ty));
    }
}

// One series: the line through its points, then the marks on it.
void series(Doc& doc, const std::vector<std::pair<double, double>>& line, const Series& s) {
    if (line.empty()) return;
    std::string path;
    for (const auto& [px, py] : line) path += fmt::format("{}{:.1f} {:.1f}", path.empty() ? "M" : " L", px, py);
    doc.raw(fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2.5" {}/>)" "\n", path, s.colour,
                        dash_attr(s.dash)));
    doc.open(fmt::format(R"(class="marks" data-series="{}")", s.square ? "thp" : "4k"));
    for (const auto& [px, py] : line) mark(doc, px, py, s);
    doc.close();
}

// The legend, above the plot: each line's sample with its mark, then the knees'.
void legend(Doc& doc, bool thp) {
    double lx = 40;
    for (const Series* s : {&S4K, &STHP}) {
        if (s == &STHP && !thp) continue;
        doc.line(lx, 84, lx + 44, 84, Style{"none", s->colour, 2.5, dash_attr(s->dash)});
        mark(doc, lx + 22, 84, *s);
        doc.text(lx + 52, 89, s->name, 14);
        lx += 52 + 8.0 * static_cast<double>(std::string_view(s->name).size()) + 30;
    }
    doc.line(lx + 10, 74, lx + 10, 96, Style{"none", S4K.colour, 1.8, dash_attr(KNEE_DASH_4K)});
    if (thp) doc.line(lx + 22, 74, lx + 22, 96, Style{"none", STHP.colour, 1.8, dash_attr(KNEE_DASH_THP)});
    doc.text(lx + 34, 89, "a knee: the first N after a step up of 30% or more that lasts", 14);
}

}  // namespace

std::string svg_tlb_curve(const TlbCurve& c) {
    Doc doc(1280, 720, fmt::format("vmreal tlb: ns per access against pages, {}", c.cpu));
    doc.text(40, 34, "Your CPU's TLB, measured: time per access against the pages touched", 24, "start",
             R"(font-weight="bold")");
    doc.mono(40, 58, fmt::format("{}; vmreal tlb {}", c.cpu, c.options), 14);
    Plot plot(c);
    std::vector<std::pair<double, double>> line_4k, line_thp;
    for (const TlbCurvePoint& p : c.points) {
        const double px = plot.x(static_cast<double>(p.pages));
        line_4k.emplace_back(px, plot.y(p.ns_4k));
        if (c.thp && p.ns_thp) line_thp.emplace_back(px, plot.y(*p.ns_thp));
    }
    plot.lines = {line_4k, line_thp};
    axes(doc, plot);
    // The counts a test can hold against the text: points per line, knees per line.
    doc.open(fmt::format(R"(id="tlb-curve" data-points="{}" data-points-4k="{}" data-points-thp="{}" )"
                         R"(data-knees-4k="{}" data-knees-thp="{}")",
                         c.points.size(), line_4k.size(), line_thp.size(), c.knees_4k.size(),
                         c.thp ? c.knees_thp.size() : 0));
    knees(doc, plot, c.knees_4k, "4K", S4K, KNEE_DASH_4K);
    if (c.thp) knees(doc, plot, c.knees_thp, "THP", STHP, KNEE_DASH_THP);
    series(doc, line_4k, S4K);
    series(doc, line_thp, STHP);
    doc.close();
    legend(doc, c.thp);

    // The words under the plot: four lines of 15px fit, five of 14px (every caveat at once).
    const std::string words = verdict(c);
    std::vector<std::string> lines = wrapped_lines(words, 150);
    const bool small = lines.size() > 4;
    if (small) lines = wrapped_lines(words, 162);
    double wy = 626;
    for (const std::string& line : lines) {
        doc.text(40, wy, line, small ? 14 : 15);
        wy += small ? 19 : 21;
    }
    return doc.finish();
}

}  // namespace vmtour
