// Pictures (SVG) of what the text and JSON renderers print: the walk, the memory map and the
// table cost. They draw the walk's recorded steps (walk.hpp) and never walk again. Every picture
// is 1280x720 user units (a 16:9 slide), its words are real <text>, and its parts differ by
// pattern and label as well as by colour, so a black-and-white print still reads.
#pragma once

#include "cost.hpp"
#include "machine.hpp"
#include "memmap.hpp"
#include "walk.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// The walk: the address with its fields, CR3, one box per table with the selected entry (index,
// raw value, flags), arrows down the levels to the frame and the offset, or the fault where it
// happened with its reason and #PF error code.
// `focus` is for stepping through the walk (the web page): -1 draws everything; 0..step_count-1
// draws steps up to `focus` with that step outlined and the later ones faded; step_count shows
// the whole walk with its result outlined.
std::string svg_walk(const Machine& m, const Walk& w, int focus = -1);

// The memory map (seed 002): one cell per entry, coloured and labelled by symbol, with its
// legend and the user/kernel boundary marked where the view contains it.
// Each cell carries data-cell="INDEX" so a page can zoom into it.
std::string svg_memmap(const Machine& m, const MemoryMap& map);

// Table memory per level against one flat table, per mode, on a logarithmic scale.
std::string svg_cost(std::span<const ModeCost> costs, std::span<const Region> regions);

// One page of a vmreal run: where it is, and its frame when the kernel said.
struct FramePage {
    std::uint64_t va = 0;
    std::optional<std::uint64_t> pa;
};
// Pages in a row whose virtual and physical addresses both step by 4 KiB.
struct FrameRun {
    std::size_t first = 0, count = 0;
    bool huge = false;  // covers a 2 MiB-aligned virtual range that maps a 2 MiB-aligned frame
};
std::vector<FrameRun> frame_runs(std::span<const FramePage> pages);

// Virtual page (across) against physical address (up): scattered 4K frames are a cloud of marks,
// a contiguous block one diagonal line, huge pages a staircase of thick 2 MiB segments; with the
// verdict in words. `title` says which run (vmreal's options).
std::string svg_frames(std::span<const FramePage> pages, std::string_view title);

// vmreal tlb's measured curve (real/tlb_measure.cpp hands over plain numbers: nothing here
// measures). Time per access (ns, logarithmic) against N pages (log2), a line with marks for
// 4K pages and one for THP, each knee a labelled vertical dashed line, and the steps in words.
struct TlbCurvePoint {
    std::uint64_t pages = 0;
    double ns_4k = 0;
    std::optional<double> ns_thp;  // measured with transparent huge pages
    double thp_fraction = -1;      // of that buffer backed by huge pages; -1 unknown
};
struct TlbCurveKnee {
    std::uint64_t pages = 0;  // the first N after the step
    double before = 0, after = 0;
};
struct TlbCurve {
    std::string cpu;      // e.g. "AMD EPYC, CPU 1 (pinned)"
    std::string options;  // the run's options, e.g. "--min 4 --max 32768 --reps 7 --steps 400000"
    std::vector<TlbCurvePoint> points;
    std::vector<TlbCurveKnee> knees_4k, knees_thp;
    bool thp = false;         // the THP line was measured
    bool hypervisor = false;  // CPUID says so: misses walk two levels of tables
};
std::string svg_tlb_curve(const TlbCurve& curve);

}  // namespace vmtour
