// The summary vmreal prints on stderr after the report.
#include "cost.hpp"
#include "experiment.hpp"
#include "mode.hpp"
#include "pagemap.hpp"
#include "procfs.hpp"
#include "stats.hpp"

#include "text.hpp"

#include <fmt/format.h>

namespace vmtour {

namespace {

constexpr std::size_t MAX_LISTED = 6;  // huge-page ranges and moved frames listed by address

// "  label             text", the text wrapped under itself to fit 80 columns.
void line(std::FILE* to, std::string_view label, const std::string& text) {
    fmt::print(to, "{}\n", wrap(fmt::format("  {:<17} {}", label, text), TEXT_WIDTH, std::string(20, ' ')));
}

std::string pages_text(std::uint64_t pages) {
    return fmt::format("{} ({})", pages, human_size(pages * PAGE_SIZE_4K));
}

std::string thp_text(const Experiment& ex) {
    const char* advice = ex.config.alloc.thp == ThpAdvice::On    ? "MADV_HUGEPAGE"
                         : ex.config.alloc.thp == ThpAdvice::Off ? "MADV_NOHUGEPAGE"
                                                                 : "no advice";
    return fmt::format("THP policy {}, {}", thp_policy(), advice);
}

void print_frames(const Experiment& ex, const Stats& s, std::FILE* to) {
    if (ex.pfn_hidden) {
        line(to, "frames", "unknown: the kernel hid the frame numbers (no CAP_SYS_ADMIN)");
        return;
    }
    line(to, "distinct frames", std::to_string(s.distinct_frames));
    line(to, "contiguous runs",
         s.runs == 0 ? "none" : fmt::format("{}, the longest {} pages ({})", s.runs, s.longest_run, human_size(s.longest_run * PAGE_SIZE_4K)));
    if (ex.kflags.empty()) {
        line(to, "huge pages", "unknown (" + ex.kpageflags_note + ")");
        return;
    }
    std::string ranges = s.huge_ranges.empty() ? "none" : fmt::format("{} range{}", s.huge_ranges.size(), s.huge_ranges.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < s.huge_ranges.size() && i < MAX_LISTED; ++i) {
        const HugeRange& r = s.huge_ranges[i];
        ranges += fmt::format("{} {:#x} {} {}", i == 0 ? ":" : ",", r.va, r.kind == kThp ? "THP" : "hugetlb",
                              human_size(r.pages * PAGE_SIZE_4K));
    }
    if (s.huge_ranges.size() > MAX_LISTED) ranges += ", ...";
    line(to, "huge pages", ranges);
    line(to, "page kinds", fmt::format("{} THP, {} hugetlb, {} zero page (kpageflags, {})", s.thp_pages,
                                       s.hugetlb_pages, s.zero_pages,
                                       ex.config.flags ? "every frame"
                                                       : "2M huge pages and shared frames only; --flags checks every frame"));
}

void print_tables(const Experiment& ex, std::FILE* to) {
    if (ex.pte_before_kib && ex.pte_after_kib) {
        const auto before = *ex.pte_before_kib, after = *ex.pte_after_kib;
        line(to, "page tables", fmt::format("VmPTE {} kB before, {} kB after: {}{} kB", before, after,
                                            after >= before ? "+" : "-", after >= before ? after - before : before - after));
    } else {
        line(to, "page tables", "VmPTE unavailable (/proc/self/status)");
    }
    const PagingMode* mode = find_mode(likely_paging_mode());
    const auto regions = regions_of(ex.vas);
    if (!mode || !fits(*mode, regions)) {
        line(to, "vmsim cost", "not available for these addresses");
        return;
    }
    const ModeCost cost = table_cost(*mode, regions);
    std::string levels;
    std::uint64_t below_top = 0;
    for (const LevelCost& l : cost.levels) {
        levels += fmt::format("{}{} {}", levels.empty() ? "" : ", ", mode->level[l.level].table, l.tables);
        if (l.level != 0) below_top += l.bytes;
    }
    line(to, "vmsim cost", fmt::format("{}: {} = {} kB; {} kB without the {} (VmPTE leaves it out)", mode->key,
                                       levels, cost.total_bytes / 1024, below_top / 1024, mode->top().table));
}

void print_reread(const Experiment& ex, std::FILE* to) {
    if (ex.reread.empty()) return;
    const auto moved = moved_frames(ex.vas, ex.entries, ex.reread);
    std::string text = moved.empty() ? "no frame moved" : fmt::format("{} pages changed frame", moved.size());
    for (std::size_t i = 0; i < moved.size() && i < MAX_LISTED; ++i)
        text += fmt::format("{} {:#x}: {:#x} -> {:#x}", i == 0 ? ":" : ",", moved[i].va,
                            moved[i].pfn_before << PAGE_SHIFT_4K, moved[i].pfn_after << PAGE_SHIFT_4K);
    if (moved.size() > MAX_LISTED) text += ", ...";
    line(to, "reread", text);
}

}  // namespace

namespace {

// --fork: how many frames parent and child share, before and after the child writes, and how
// many pages pagemap calls exclusively mapped in each view.
void print_fork(const Experiment& ex, std::FILE* to) {
    if (ex.child.empty() || ex.pfn_hidden) return;
    std::size_t shared = 0, still_shared = 0, kept = 0;
    std::size_t excl[4] = {};
    const std::vector<std::uint64_t>* views[] = {&ex.entries, &ex.child, &ex.child_wrote, &ex.parent_now};
    auto frame = [](std::uint64_t raw) { return PagemapEntry{raw}.pfn(); };
    for (std::size_t i = 0; i < ex.vas.size(); ++i) {
        const std::uint64_t mine = frame(ex.entries[i]);
        shared += mine && frame(ex.child[i]) == mine;
        still_shared += mine && frame(ex.child_wrote[i]) == mine;
        kept += mine && frame(ex.parent_now[i]) == mine;
        for (std::size_t v = 0; v < 4; ++v) excl[v] += PagemapEntry{(*views[v])[i]}.exclusive();
    }
    const std::size_t n = ex.vas.size();
    line(to, "after fork", fmt::format("the child shares {} of {} frames with the parent", shared, n));
    line(to, "child wrote", fmt::format("{} new frames, {} still shared; the parent kept {}", n - still_shared,
                                        still_shared, kept));
    line(to, "exclusive", fmt::format("parent {}, child {}, child-wrote {}, parent-now {}", excl[0], excl[1],
                                      excl[2], excl[3]));
}

}  // namespace

void print_summary(const Experiment& ex, std::FILE* to) {
    const Config& c = ex.config;
    const Stats s = summarize(ex.vas, ex.entries, ex.kflags);
    fmt::print(to, "{}\n",
               wrap(fmt::format("vmreal: -b {} -m {}: {}, touch {}, {}", c.block_word, format_size(c.alloc.size),
                                ex.alloc->describe(), touch_name(c.touch), thp_text(ex)),
                    TEXT_WIDTH, "  "));
    line(to, "pages", fmt::format("{}, {} present, {} not present, {} swapped", pages_text(s.pages), s.present,
                                  s.not_present, s.swapped));
    if (ex.alloc->one_block())
        line(to, "virtual range", fmt::format("{:#x} - {:#x}", ex.vas.front(), ex.vas.back() + PAGE_SIZE_4K));
    print_frames(ex, s, to);
    print_tables(ex, to);
    print_reread(ex, to);
    print_fork(ex, to);
    line(to, "reads", fmt::format("pagemap {} entries in {} preads; kpageflags {} frames in {} preads",
                                  ex.entries.size(), ex.pagemap_preads, ex.kpageflags_lookups, ex.kpageflags_preads));
    if (!ex.snapshot_note.empty()) line(to, "snapshot", ex.config.snapshot + ": " + ex.snapshot_note);
    line(to, "time", fmt::format("{:.1f} ms allocating and touching (the page faults), {:.1f} ms pagemap, "
                                 "{:.1f} ms kpageflags, {:.1f} ms writing the report",
                                 ex.ms_touch, ex.ms_pagemap, ex.ms_kpageflags, ex.ms_write));
    const std::uint64_t rss = peak_rss_bytes();
    line(to, "peak RSS", fmt::format("{} ({:.2f}x the {} asked for)", human_size(rss),
                                     static_cast<double>(rss) / static_cast<double>(c.alloc.size),
                                     human_size(c.alloc.size)));
}

}  // namespace vmtour
