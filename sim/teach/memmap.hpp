// The memory map of seed 002: one character per entry of a level, for the whole address space or
// for the range of one entry ("zoom"). Legend (the seed's, generalised to every mode):
//   .  nothing mapped
//   X  a page (4 KB or large), supervisor only     x  a table whose first page is supervisor only
//   R  a page, user read-only                      r  a table whose first page is user read-only
//   *  a page, user read/write                     +  a table whose first page is user read/write
// The permissions are the effective ones: U/S and R/W ANDed from the top level down to the page
// (the seed read the PTE alone; the CPU combines every level).
#pragma once

#include "machine.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace vmtour {

struct MemoryMap {
    unsigned level = 0;            // the level whose entries the cells are
    std::uint64_t first_va = 0;    // the first cell's address
    std::uint64_t cell_span = 0;   // bytes per cell
    std::string cells;             // one symbol per cell
    std::string title;             // "PDE 768 (0xc0000000..0xc03fffff)" or "the whole address space"
    // Zooming into an entry that maps a large page shows that page, not entries below it.
    struct LargePage {
        std::uint64_t size = 0;    // 2M, 4M or 1G
        std::uint64_t frame = 0;   // physical address of the page
        bool user = false, writable = false;  // effective, ANDed from the top level
    };
    std::optional<LargePage> large;
};

// `zoom` is a path of cell indices: {} for the default view (the top level; PAE shows its four
// page directories side by side), {768} for the entries inside cell 768, and so on.
// Returns an error message in `error` for an index out of range or a zoom below the last level.
// When the zoomed entry maps a large page, `large` says so and `cells` is empty.
MemoryMap memory_map(const Machine& m, std::span<const unsigned> zoom, std::string& error);

inline constexpr std::string_view MEMMAP_LEGEND =
    ". nothing mapped\n"
    "X page, supervisor only   R page, user read-only   * page, user read/write\n"
    "x table, first page supervisor   r ... user read-only   + ... user read/write";

}  // namespace vmtour
