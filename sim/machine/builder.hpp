// The page-table builder: maps virtual pages to physical frames by writing real entries into
// simulated physical memory, allocating table frames as it goes, the way a kernel does. What the
// walker later reads is only these bytes.
#pragma once

#include "machine.hpp"
#include "walk.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmtour {

// Hands out zeroed 4 KB frames one after another for new tables.
class FrameAllocator {
public:
    explicit FrameAllocator(std::uint64_t next = 0x100000) : next_(next) {}
    // The next frame if it ends at or below `limit` (where an entry can still point), else nullopt.
    std::optional<std::uint64_t> allocate(std::uint64_t limit) {
        if (next_ >= limit || limit - next_ < PhysMem::FRAME_SIZE) return std::nullopt;
        const std::uint64_t pa = next_;
        next_ += PhysMem::FRAME_SIZE;
        return pa;
    }
    std::uint64_t next() const { return next_; }

private:
    std::uint64_t next_;
};

struct MapRequest {
    std::uint64_t va = 0;
    std::uint64_t pa = 0;
    std::uint64_t size = 0;        // bytes, a multiple of page_size
    std::uint64_t page_size = 4096;
    std::uint64_t flags = 0;       // leaf entry bits besides the frame (P is added); bits::* positions
};

class PageTableBuilder {
public:
    // Allocates the top-level table if CR3 is 0 (if it cannot, map() says why).
    PageTableBuilder(Machine& m, FrameAllocator& frames);

    // Returns an empty string, or why the request cannot be mapped (bad alignment, a page size
    // the mode does not have, an address outside the space, or a clash with an existing mapping).
    std::string map(const MapRequest& r);

private:
    std::string map_page(const Mmu& mmu, std::uint64_t va, std::uint64_t pa, unsigned leaf_level, std::uint64_t flags);
    // A frame for a new table that an entry (or CR3, for the top one) can hold, or the reason not.
    std::string new_table(bool top, std::uint64_t& pa);
    std::string write(std::uint64_t addr, std::uint64_t entry);

    // The walker's rules (which levels hold leaves, where an entry's table is) for the machine's
    // mode, CR4.PSE and MAXPHYADDR, the only inputs they have: made once and again only when one
    // of those changes, because making an Mmu costs more than mapping a page and `vmsim tlb
    // --pages` maps every page a trace touches through one builder.
    const Mmu& rules();

    Machine& m_;
    FrameAllocator& frames_;
    std::string root_error_;  // the top-level table could not be allocated
    std::optional<Mmu> rules_;
    const PagingMode* rules_mode_ = nullptr;
    bool rules_pse_ = false;
    unsigned rules_maxphy_ = 0;
};

// Parses "rw,us,xd" (names from bits::FLAG_NAMES) into entry bits; error text on failure.
std::string parse_flags(std::string_view text, std::uint64_t& out);
// "P R/W U/S A D" for the bits set (labels from bits::FLAG_NAMES); `ps_level` says bit 7 is PS
// (a directory entry) rather than PAT (a 4 KB PTE); `large` says bit 12 is PAT.
std::string flag_labels(std::uint64_t raw, bool ps_level, bool large, bool has_xd);

// What a present entry's set bits mean in that entry, and only those (SDM tables 4-4 to 4-6,
// 4-8 to 4-11, 4-14 to 4-20): D, G and PAT only in a leaf, PS only in a large leaf, no R/W, U/S
// or A in a PAE PDPTE, XD only where the mode has it; bits the SDM calls ignored as "AVLn".
// `leaf`: the entry maps a page; `level`: 0 = the top level.
struct EntryKind {
    bool leaf = false;
    bool large = false;       // a leaf above the last level (PS=1)
    bool pdpte_pae = false;   // PAE's 4-entry PDPT
    bool has_xd = false;
    bool avl_high = false;    // 64-bit entries: bits 62:52 are ignored
    bool ps_ignored = false;  // a table entry whose bit 7 the SDM calls ignored (32-bit PDE, PSE=0)
};
// The flags set in an entry of this kind that mean something there (SDM tables 4-4 to 4-20), by
// bits.hpp's positions (PAT at PAT_4K in a PTE, PAT_LARGE in a large-page entry, so bit 7 is PAT
// in a PTE and PS in a large-page entry), in the order
// P, R/W, U/S, PWT, PCD, A, D, PS, G, PAT, XD. The one rule for the walk's display
// (entry_labels) and the decode questions' answers.
std::vector<unsigned> entry_flags(std::uint64_t raw, const EntryKind& kind);
// entry_flags' labels ("R/W", "U/S", ...) and the ignored bits set (AVL9, AVL52, ...), spaced.
std::string entry_labels(std::uint64_t raw, const EntryKind& kind);

}  // namespace vmtour
