// The summary of one run, computed from the pages' addresses and the kernel's entries; no I/O here,
// so the unit tests feed it made-up entries.
#pragma once

#include "cost.hpp"  // Region, from vmtour_sim

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmtour {

// Consecutive pages (in output order, with consecutive VAs) backed by huge pages of one kind.
struct HugeRange {
    std::uint64_t va;
    std::uint64_t pages;
    std::uint32_t kind;  // kThp or kHugetlb (report.hpp)
};

struct Stats {
    std::uint64_t pages = 0;
    std::uint64_t present = 0;
    std::uint64_t swapped = 0;
    std::uint64_t not_present = 0;
    std::uint64_t hidden = 0;           // present, frame number hidden
    std::uint64_t distinct_frames = 0;  // among the known frames
    std::uint64_t runs = 0;             // physically contiguous runs: next page's frame = this one's + 1
    std::uint64_t longest_run = 0;      // in pages
    std::uint64_t thp_pages = 0, hugetlb_pages = 0, zero_pages = 0;  // from kpageflags
    std::vector<HugeRange> huge_ranges;
};

// vas[i] and entries[i] (raw pagemap) describe page i; kflags[i] holds its kpageflags-derived
// PageFlag bits, or kflags is empty when /proc/kpageflags could not be read.
Stats summarize(std::span<const std::uint64_t> vas, std::span<const std::uint64_t> entries,
                std::span<const std::uint32_t> kflags);

// A kpageflags lookup: the frame of page `page`, whose kinds (THP, hugetlb, zero page) apply to
// pages [page, page + span).
struct FrameLookup {
    std::size_t page;
    std::size_t span;
};
inline constexpr std::size_t PAGES_PER_2M = 512;

// Every present page with a known frame, one lookup each (--flags: a kind on every line).
std::vector<FrameLookup> lookups_every_frame(std::span<const std::uint64_t> entries);
// The few lookups that decide the summary exactly, so that a plain run costs almost nothing:
//  - a page that is not exclusively mapped (pagemap bit 56): the zero page never is, so only these
//    can be it;
//  - the first page of every 2 MiB-aligned range of 512 pages whose frames are consecutive from a
//    512-aligned frame: only such a range can be one 2 MiB huge page (THP or hugetlb), and its
//    first frame's flags hold for the whole folio.
// Smaller THP folios (mTHP, 16K-1M) are only seen by the lookups of every frame.
std::vector<FrameLookup> lookups_for_summary(std::span<const std::uint64_t> vas,
                                             std::span<const std::uint64_t> entries);

// A page whose frame changed between two reads of pagemap (--reread).
struct Moved {
    std::uint64_t va;
    std::uint64_t pfn_before, pfn_after;  // 0: not present (or hidden) in that read
};
std::vector<Moved> moved_frames(std::span<const std::uint64_t> vas, std::span<const std::uint64_t> before,
                                std::span<const std::uint64_t> after);

// "1.5 GiB", "64 MiB", "12 KiB", "100 B": for people, not for parsing.
std::string human_size(std::uint64_t bytes);

// The pages as few Regions as possible (sorted, adjacent pages merged), for table_cost().
std::vector<Region> regions_of(std::span<const std::uint64_t> vas);

}  // namespace vmtour
