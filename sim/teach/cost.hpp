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
    std::uint64_t start;  // virtual address; rounded down to 4 KB
    std::uint64_t size;   // bytes; rounded up to cover whole 4 KB pages
};

struct LevelCost {
    unsigned level;          // 0 = the top level
    std::uint64_t tables;    // how many tables of this level are needed
    std::uint64_t bytes;     // tables * table size
};

struct ModeCost {
    const PagingMode* mode;
    std::uint64_t pages;              // distinct 4 KB pages mapped
    std::vector<LevelCost> levels;    // one per level, top first
    std::uint64_t total_bytes;        // sum over levels
    long double flat_bytes;           // a single-level table for the whole address space
};

// Regions outside the mode's address space (e.g. above 4 GB in a 32-bit mode) are an error
// the caller checks first with fits().
bool fits(const PagingMode& mode, std::span<const Region> regions);
ModeCost table_cost(const PagingMode& mode, std::span<const Region> regions);

}  // namespace vmtour
