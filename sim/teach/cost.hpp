// What the page tables for a set of mapped virtual regions cost, level by level, in one mode,
// next to a flat single-level table. Counting is exact: a table exists at a level for every
// distinct region of that level's table span that holds at least one mapped 4 KB page.
#pragma once

#include "mode.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace vmtour {

struct Region {
    std::uint64_t start;  // virtual address; rounded down to the page size
    std::uint64_t size;   // bytes; rounded up to cover whole pages
    std::uint64_t page_size = 4096;  // the pages that map it: 4K, or a large page (2M, 4M, 1G)
};

// Sorted, with overlapping and adjacent regions of the same page size merged into one.
std::vector<Region> merge_regions(std::vector<Region> regions);

struct LevelCost {
    unsigned level;          // 0 = the top level
    std::uint64_t tables;    // how many tables of this level are needed
    std::uint64_t bytes;     // tables * table size
};

struct ModeCost {
    const PagingMode* mode;
    std::uint64_t pages;              // distinct 4 KB pages mapped (a large page counts its 4 KB pages)
    std::vector<LevelCost> levels;    // one per level, top first
    std::uint64_t total_bytes;        // sum over levels
    long double flat_bytes;           // a single-level table for the whole address space
};

// Regions outside the mode's address space (e.g. above 4 GB in a 32-bit mode) are an error
// the caller checks first with fits().
bool fits(const PagingMode& mode, std::span<const Region> regions);
// Can `mode` map pages of this size (4K everywhere; 4M in 2-level, 2M in PAE and 64-bit, 1G in 64-bit)?
bool has_page_size(const PagingMode& mode, std::uint64_t page_size);
// Regions mapped with large pages need no tables below the level that holds the leaf.
ModeCost table_cost(const PagingMode& mode, std::span<const Region> regions);

}  // namespace vmtour
