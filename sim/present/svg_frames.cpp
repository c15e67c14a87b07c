// vmreal's pages as a picture: virtual page against physical frame, so that scattered 4K blocks,
// one physically contiguous block and 2 MiB huge pages look different at a glance.
#include "svg.hpp"

#include "svg_doc.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

namespace {

using svg::Doc;
using svg::Style;

constexpr std::uint64_t PAGE = 4096;
constexpr std::uint64_t HUGE_2M = std::uint64_t{2} << 20;

// The plot's frame on the 1280x720 slide.
constexpr double LEFT = 150, RIGHT = 1220, TOP = 110, BOTTOM = 560;
constexpr std::size_t MAX_MARKS = 3000;  // keeps a 1 GiB run's picture small

}  // namespace

std::vector<FrameRun> frame_runs(std::span<const FramePage> pages) {
    std::vector<FrameRun> runs;
    for (std::size_t i = 0; i < pages.size(); ++i) {
        if (!pages[i].pa) continue;
        const bool extends = !runs.empty() && runs.back().first + runs.back().count == i && pages[i - 1].pa &&
                             pages[i].va == pages[i - 1].va + PAGE && *pages[i].pa == *pages[i - 1].pa + PAGE;
        if (extends) ++runs.back().count;
        else runs.push_back({i, 1, false});
    }
    // A huge page looks like a run covering a whole 2 MiB-aligned virtual range whose frames are
    // 2 MiB-aligned too (the PMD maps a 2 MiB frame: SDM 4.5, table 4-18).
    for (FrameRun& r : runs) {
        const std::uint64_t va = pages[r.first].va, pa = *pages[r.first].pa;
        const std::uint64_t into = (HUGE_2M - va % HUGE_2M) % HUGE_2M;
        r.huge = r.count * PAGE >= into + HUGE_2M && (pa + into) % HUGE_2M == 0;
    }
    return runs;
}

std::string svg_frames(std::span<const FramePage> pages, std::string_view title) {
    Doc doc(1280, 720, fmt::format("virtual pages against physical frames: {}", title));
    doc.text(40, 40, "Where each virtual page really is in physical memory", 24, "start", R"(font-weight="bold")");
    doc.mono(40, 66, title, 15);
    const std::vector<FrameRun> runs = frame_runs(pages);
    std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
    std::size_t known = 0, huge_pages = 0, longest = 0;
    for (const FramePage& p : pages)
        if (p.pa) {
            lo = std::min(lo, *p.pa & ~(PAGE - 1));
            hi = std::max(hi, (*p.pa & ~(PAGE - 1)) + PAGE);
            ++known;
        }
    for (const FrameRun& r : runs) {
        longest = std::max(longest, r.count);
        if (r.huge) huge_pages += r.count;
    }
    doc.open(fmt::format(R"(id="frames" data-pages="{}" data-known="{}" data-runs="{}" data-longest="{}" data-huge-pages="{}")",
                         pages.size(), known, runs.size(), longest, huge_pages));
    doc.rect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP, Style{"#ffffff", "#222", 1.5, ""});
    const std::size_t n = std::max<std::size_t>(pages.size(), 1);
    const double span = hi > lo ? static_cast<double>(hi - lo) : 1.0;
    auto x = [&](double i) { return LEFT + (RIGHT - LEFT) * i / static_cast<double>(n); };
    auto y = [&](std::uint64_t pa) { return BOTTOM - (BOTTOM - TOP) * static_cast<double>(pa - lo) / span; };
    // Axes: the first and last virtual page, the lowest and highest frame.
    if (!pages.empty()) {
        doc.mono(LEFT, BOTTOM + 20, fmt::format("{:#x}", pages.front().va), 13, "start");
        doc.mono(RIGHT, BOTTOM + 20, fmt::format("{:#x}", pages.back().va), 13, "end");
    }
    doc.text((LEFT + RIGHT) / 2, BOTTOM + 22, fmt::format("virtual page, in order ({} pages)", pages.size()), 15,
             "middle");
    if (known) {
        doc.mono(LEFT - 8, TOP + 5, fmt::format("{:#x}", hi), 13, "end");
        doc.mono(LEFT - 8, BOTTOM, fmt::format("{:#x}", lo), 13, "end");
    }
    doc.text(40, (TOP + BOTTOM) / 2, "physical address", 15, "middle",
             fmt::format(R"x(transform="rotate(-90 40 {})")x", (TOP + BOTTOM) / 2));
    // A run wide enough to see is a line (thick for a huge page); the pages of short runs are
    // marks, every k-th one when there are too many to draw.
    std::size_t short_pages = 0;
    const double page_px = (RIGHT - LEFT) / static_cast<double>(n);
    for (const FrameRun& r : runs)
        if (r.count * page_px < 3) short_pages += r.count;
    const std::size_t every = std::max<std::size_t>(1, (short_pages + MAX_MARKS - 1) / MAX_MARKS);
    std::size_t seen = 0;
    for (const FrameRun& r : runs) {
        const std::uint64_t pa0 = *pages[r.first].pa & ~(PAGE - 1);
        if (r.count * page_px >= 3) {
            doc.line(x(static_cast<double>(r.first)), y(pa0), x(static_cast<double>(r.first + r.count)),
                     y(pa0 + r.count * PAGE), Style{"none", r.huge ? "#e15759" : "#4e79a7", r.huge ? 5.0 : 2.5, ""});
            continue;
        }
        for (std::size_t k = 0; k < r.count; ++k, ++seen)
            if (seen % every == 0)
                doc.rect(x(static_cast<double>(r.first + k)) - 1.5, y(pa0 + k * PAGE) - 1.5, 3, 3,
                         Style{"#111", "none", 0, ""});
    }
    doc.close();
    // The legend and the verdict, in words as well as shapes.
    const double ly = 610;
    doc.rect(40, ly - 9, 4, 4, Style{"#111", "none", 0, ""});
    doc.text(52, ly - 3, every > 1 ? fmt::format("a page whose neighbours are elsewhere (every {}th drawn)", every)
                                   : std::string("a page whose neighbours are elsewhere"), 14);
    doc.line(520, ly - 7, 560, ly - 7, Style{"none", "#4e79a7", 2.5, ""});
    doc.text(568, ly - 3, "consecutive frames", 14);
    doc.line(760, ly - 7, 800, ly - 7, Style{"none", "#e15759", 5, ""});
    doc.text(808, ly - 3, "a 2 MiB huge page (aligned run of 512)", 14);
    std::string verdict;
    if (!known) verdict = "no physical addresses: the kernel hid them (run vmreal as root)";
    else if (runs.size() == 1) verdict = fmt::format("one physically contiguous block of {} pages", known);
    else if (huge_pages * 2 >= known) verdict = fmt::format("mostly huge pages: {} of {} pages in 2 MiB frames", huge_pages, known);
    else verdict = fmt::format("scattered: {} runs of consecutive frames, the longest {} page{}", runs.size(), longest,
                               longest == 1 ? "" : "s");
    doc.text(40, 650, verdict, 20, "start", R"(font-weight="bold")");
    doc.text(40, 680, fmt::format("{} pages, {} with a frame, {} in huge pages; each page is 4 KiB", pages.size(),
                                  known, huge_pages), 15);
    return doc.finish();
}

}  // namespace vmtour
