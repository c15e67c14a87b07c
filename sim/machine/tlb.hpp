// The TLB and the paging-structure caches, bound to one machine's MMU (Intel SDM Vol. 3A, 4.10).
//
// A TLB is data: levels (L1 instruction, L1 data, a shared second level, or one unified TLB), each
// made of arrays with a number of entries, ways, and the page sizes the array holds. One lookup
// loop serves every geometry. A miss is the walk (walk.hpp); nothing here prints.
//
// What the model does, and where the SDM says so:
//   - An entry caches the page frame, the page size, the rights combined over all levels (R/W and
//     U/S ANDed, XD ORed: 4.10.2.2), the D bit of the leaf, G, and the PCID it was made under.
//   - A write that hits an entry with D=0 walks again, so the D bit can be set in memory (4.8).
//   - A hit whose cached rights refuse the access faults, and the fault invalidates the entries
//     for that address (4.10.4.2); if memory now allows it, the fault was spurious (4.10.4.3).
//   - Entries stay until invalidated: changing a page-table entry ("set") changes nothing cached,
//     so a stale translation keeps being used. Only these invalidate (4.10.4.1):
//       INVLPG VA           the page's entries (global ones too) for the current PCID, and every
//                           paging-structure-cache entry of the current PCID
//       MOV to CR3          PCIDE=0: every non-global entry (PCID 0) and the paging-structure caches
//                           PCIDE=1: the same for the new PCID only; with bit 63 set, nothing
//       CR4.PGE changed     everything, global entries too, every PCID
//       CR4.PCIDE 1 -> 0    everything
//       INVPCID 0 / 1       one address / every address, of one PCID, global entries kept
//       INVPCID 2 / 3       every PCID, global entries included / kept
//     Paging-structure-cache entries are never global; they always go with their PCID.
//   - Global entries (G=1 in the leaf while CR4.PGE=1) match every PCID (4.10.2.4).
//   - Replacement is least-recently-used within a set: every hit or fill makes the entry the most
//     recently used of its set, and the victim is the lowest-numbered empty way or else the least
//     recently used way. (Real CPUs use cheaper pseudo-LRU; true LRU gives counts a learner can
//     work out by hand.) The bookkeeping is O(1) per access (lru_index.hpp), so a large fully
//     associative array costs no more than a small one.
//   - A miss fills every level that was looked up and holds that page size (the level above
//     is refilled from the one below on a second-level hit). A level with no array for a page
//     size does not cache such pages.
//
// Paging-structure caches (4.10.3): one fully associative LRU cache per upper level (PML5E,
// PML4E, PDPTE, PDE; PAE's PDPTEs are registers loaded by MOV to CR3, 4.4.1, so they are never
// read during a walk). Each entry maps the address bits above a level to the table the next
// level reads, so a miss that hits the PDE cache reads only the PTE. The model keeps two counts
// of memory reads per walk: without these caches (every level) and with them (below the deepest
// hit). Simplification: the translation itself always comes from memory; a paging-structure-cache
// entry that no longer matches memory is dropped rather than followed (the SDM allows either,
// 4.10.4.3), so stale translations in this model come from the TLB, as in the lessons.
#pragma once

#include "machine.hpp"
#include "walk.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

namespace tlb_detail {
struct Array;
struct Entry;
}  // namespace tlb_detail

// Page sizes as classes: 4 KB; the mode's large page (2 MB, or 4 MB in 32-bit paging); 1 GB.
inline constexpr unsigned SIZE_4K = 0, SIZE_LARGE = 1, SIZE_1G = 2, SIZE_CLASSES = 3;
inline constexpr unsigned SIZES_4K = 1u << SIZE_4K, SIZES_LARGE = 1u << SIZE_LARGE, SIZES_1G = 1u << SIZE_1G;
inline constexpr unsigned SIZES_ALL = SIZES_4K | SIZES_LARGE | SIZES_1G;

struct TlbArrayGeom {
    unsigned entries = 64;
    unsigned ways = 0;          // 0: fully associative (one set)
    unsigned sizes = SIZES_4K;  // SIZES_* bits: the page sizes this array holds
    unsigned sets() const { return ways ? entries / ways : 1; }
    unsigned assoc() const { return ways ? ways : entries; }
};

enum class TlbUse { Instruction, Data, Both };

struct TlbLevelGeom {
    std::string name;  // "L1i", "L1d", "L2", "TLB"
    TlbUse use = TlbUse::Both;
    std::vector<TlbArrayGeom> arrays;
};

struct TlbGeometry {
    std::string name;    // "64 entries, fully associative", "skylake"
    std::string source;  // where the figures come from (empty for made-up geometries)
    std::vector<TlbLevelGeom> levels;  // looked up in this order: L1 before L2
    unsigned psc_entries = 32;         // per paging-structure cache; 0: no paging-structure caches
};

// --tlb ENTRIES[:WAYS]: one unified LRU TLB holding every page size.
TlbGeometry unified_tlb(unsigned entries, unsigned ways);
// Named geometries of real CPUs, with their sources (docs/tlb.md).
const std::vector<TlbGeometry>& tlb_presets();
const TlbGeometry* find_tlb_preset(std::string_view name);
// Empty, or why the geometry cannot be built (ways that do not divide entries, no levels, ...).
std::string check_geometry(const TlbGeometry& g);

// What one access did.
struct TlbResult {
    bool ok = false;
    std::uint64_t pa = 0;
    int hit_level = -1;         // index into the geometry's levels; -1: a miss in every level
    unsigned size_class = 0;    // SIZE_* of the page (when ok, or on a hit)
    bool walked = false;        // the walk ran (a miss, or a D=0 write hit)
    bool dirty_walk = false;    // ... because a write hit an entry cached with D=0
    bool spurious = false;      // a fault from cached rights that memory no longer has
    unsigned reads = 0;         // memory reads of the walk, with the paging-structure caches
    unsigned reads_no_psc = 0;  // ... and without them
    int psc_level = -1;         // the mode level whose paging-structure cache hit, -1 none
    Fault fault;                // when !ok
};

struct TlbStats {
    std::uint64_t accesses = 0, reads = 0, writes = 0, fetches = 0;
    std::uint64_t faults = 0, spurious_faults = 0;
    std::uint64_t walks = 0, dirty_walks = 0;
    std::uint64_t mem_reads = 0, mem_reads_no_psc = 0;
    std::vector<std::array<std::uint64_t, SIZE_CLASSES>> hits;    // [level][size class]
    std::vector<std::array<std::uint64_t, SIZE_CLASSES>> misses;  // [level][size class of the page]
    std::array<std::uint64_t, 5> psc_hits{};                      // [mode level]
    std::uint64_t invlpg = 0, cr3_writes = 0, cr3_noflush = 0, invpcid = 0, cr4_writes = 0, sets = 0;
};

class Tlb {
public:
    // CR4.PGE and CR4.PCIDE are the TLB's own bits: the walk does not read them. The machine
    // must outlive the TLB; the TLB writes it (CR3, A/D bits, `set`).
    Tlb(Machine& m, TlbGeometry g, bool pge = true, bool pcide = false);
    ~Tlb();
    Tlb(const Tlb&) = delete;
    Tlb& operator=(const Tlb&) = delete;

    TlbResult access(std::uint64_t va, Access a);

    void invlpg(std::uint64_t va);
    // MOV to CR3. With PCIDE=1, bits 11:0 are the PCID and bit 63 asks for no flush; with
    // PCIDE=0 bit 63 is reserved: empty, or why not (#GP).
    std::string write_cr3(std::uint64_t value);
    void set_pge(bool on);
    // Empty, or why not (#GP: PCIDE=1 outside 64-bit modes, or with CR3[11:0] != 0).
    std::string set_pcide(bool on);
    // Empty, or why not (#GP: a type above 3, or a PCID other than 0 while PCIDE=0).
    std::string invpcid(unsigned type, unsigned pcid, std::uint64_t va);
    // Demand paging, as an OS's page-fault handler does it (vmsim tlb --pages): called when a walk
    // finds va's page not present, before the fault is taken. True when it mapped the page: the
    // walk then runs again, and no fault happened (the counts show one walk, as if the page had
    // been there). Only a miss walks, so an access that hits never calls it.
    void set_demand_mapper(std::function<bool(std::uint64_t va)> map) { demand_ = std::move(map); }
    // Writes a page-table entry (the mode's entry size) in memory and invalidates nothing.
    // False (nothing written) when memory holds as many frames as it may (PhysMem::max_frames).
    [[nodiscard]] bool write_entry(std::uint64_t pa, std::uint64_t value);

    bool pge() const { return pge_; }
    bool pcide() const { return pcide_; }
    unsigned pcid() const { return pcid_; }
    const TlbGeometry& geometry() const { return geom_; }
    const TlbStats& stats() const { return stats_; }
    const Machine& machine() const { return m_; }
    // The page size in bytes of a size class in this machine's mode (0 if the mode has none).
    std::uint64_t page_bytes(unsigned size_class) const;
    // Entries cached now, in all levels (for tests and reach).
    std::size_t valid_entries() const;

    struct Impl;

private:
    [[gnu::noinline]] TlbResult general(std::uint64_t va, Access a, unsigned start, bool first_missed);
    TlbResult hit_below(std::uint64_t va, Access a, unsigned level, tlb_detail::Array& arr, tlb_detail::Entry& hit,
                        unsigned missed);
    TlbResult walk(std::uint64_t va, Access a, unsigned missed, bool dirty_walk);
    void set_accessed_dirty(std::uint64_t va, const WalkPath& p, bool write);

    Machine& m_;
    TlbGeometry geom_;
    bool pge_, pcide_;
    unsigned pcid_ = 0;
    TlbStats stats_;
    std::function<bool(std::uint64_t)> demand_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vmtour
