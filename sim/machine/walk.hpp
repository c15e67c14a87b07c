// The page walk: a pure function from (machine, virtual address, access) to either a translation
// or a fault, recording every step as data. Nothing here prints, and nothing changes the machine:
// setting A/D bits is a separate, explicit call (apply_accessed_dirty).
#pragma once

#include "machine.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vmtour {

enum class AccessType : std::uint8_t { Read, Write, Execute };

struct Access {
    AccessType type = AccessType::Read;
    bool user = true;  // CPL 3 (user) or CPL 0-2 (supervisor)
};

// What the upper levels allow so far (SDM 4.6): U/S and R/W are ANDed across the levels, XD is ORed.
struct Perms {
    bool user = true;
    bool writable = true;
    bool executable = true;
};

enum class StepKind {
    Table,       // points to the next level's table
    Leaf,        // maps a page
    NotPresent,  // P=0: the walk ends with #PF
    Reserved,    // P=1 but a reserved bit is set: #PF with RSVD
};

struct Step {
    unsigned level = 0;           // 0 = the level CR3 points at
    std::uint64_t table = 0;      // physical address of the table
    unsigned index = 0;           // index taken from the virtual address
    std::uint64_t entry_addr = 0; // table + index * entry size
    std::uint64_t raw = 0;        // the entry as read from memory
    StepKind kind = StepKind::NotPresent;
    std::uint64_t next = 0;       // next table (Table) or page frame (Leaf)
    std::uint64_t reserved = 0;   // the reserved bits that are set (Reserved)
    Perms perms;                  // permissions after this level
};

enum class FaultReason {
    NonCanonical,       // #GP: 64-bit address whose upper bits are not a sign extension
    NotPresent,         // P=0 at some level
    ReservedBit,        // a reserved bit set in a present entry
    SupervisorPage,     // user access to a supervisor page
    ReadOnly,           // write to a read-only page (user, or supervisor with CR0.WP=1)
    NoExecute,          // instruction fetch from an XD page
    Smep,               // supervisor fetch from a user page with CR4.SMEP
    Smap,               // supervisor data access to a user page with CR4.SMAP and AC=0
    Cr3Reserved,        // #GP at the MOV to CR3: CR3 bits 63:MAXPHYADDR set (4/5-level paging)
    PdpteReserved,      // #GP at the MOV to CR3: a present PAE PDPTE has a reserved bit set
};

// #PF error code bits (SDM 4.7, figure 4-12).
namespace pf {
inline constexpr std::uint32_t P = 1u << 0;     // 0: not present; 1: protection violation
inline constexpr std::uint32_t WR = 1u << 1;    // write access
inline constexpr std::uint32_t US = 1u << 2;    // user-mode access
inline constexpr std::uint32_t RSVD = 1u << 3;  // reserved bit set
inline constexpr std::uint32_t ID = 1u << 4;    // instruction fetch (when NXE or SMEP is on)
}  // namespace pf

struct Fault {
    FaultReason reason = FaultReason::NotPresent;
    bool general_protection = false;  // #GP instead of #PF (no error code, CR2 unchanged)
    std::uint32_t error_code = 0;     // #PF error code
    int level = -1;                   // the level where the walk stopped, -1 if none
    std::uint64_t reserved = 0;       // Cr3Reserved: the CR3 bits that are reserved and set
};

struct Translation {
    std::uint64_t pa = 0;
    std::uint64_t page_size = 0;  // from the level the walk stopped at: 4K, 2M, 4M or 1G
    unsigned leaf_level = 0;
    Perms perms;                  // the effective permissions of the page
};

struct Walk {
    std::uint64_t va = 0;
    Access access;
    std::array<Step, 5> steps{};
    unsigned step_count = 0;
    bool ok = false;
    Translation translation;  // when ok
    Fault fault;              // when !ok
};

inline constexpr std::uint64_t NO_TRANSLATION = ~std::uint64_t{0};

// What a TLB fill needs of a walk that succeeds, and no more: each level's entry (a PAE PDPTE from
// its register), the leaf's level, the physical address and the rights combined over the levels
// (Mmu::walk_entries). Where each entry was read follows from the entries above it and the
// address, for the rare walk that has an A or D bit to set.
struct WalkPath {
    std::array<std::uint64_t, 5> raw{};
    unsigned leaf_level = 0;  // levels read: leaf_level + 1
    std::uint64_t pa = 0;
    Perms perms;
    // The entries read from memory ANDed (PAE's PDPTE registers left out): with A set here the
    // walk has no A bit to set (SDM 4.8), which a TLB fill then need not look at entry by entry.
    std::uint64_t and_raw = 0;
    // When walk_entries fails: it stopped at an entry with P=0, so the walk ends in a not-present
    // fault (what a demand mapper answers, tlb.hpp); false for every other end.
    bool not_present = false;
};

// The MMU of one machine: what the control bits mean for a walk is worked out once, here
// (reserved-bit masks, address masks, which levels may be leaves), so the walk loop only reads
// tables. Keeps a reference to the machine, which must outlive it.
class Mmu {
public:
    explicit Mmu(const Machine& m);

    // The full walk with every step recorded.
    Walk walk(std::uint64_t va, Access access) const;
    // The same walk without the record: what a TLB miss costs. NO_TRANSLATION on a fault.
    std::uint64_t translate(std::uint64_t va, Access access) const { return fast_(*this, va, access, nullptr); }
    // translate() with the entries it read kept in `p`, for a TLB miss. False when the walk does
    // not end in a translation by the fast path (a fault, SMEP/SMAP, an unusual mode): then
    // walk() says what happens, and `p` means nothing but p.not_present.
    bool walk_entries(std::uint64_t va, Access access, WalkPath& p) const {
        p.not_present = false;
        return path_(*this, va, access, &p) != NO_TRANSLATION;
    }

    // For code that visits tables rather than walking one address (dump, memory map): does a
    // present entry at this level map a page, and where is the table a non-leaf entry points to?
    bool is_leaf(unsigned level, std::uint64_t raw) const { return raw & lv_[level].leaf_test; }
    // May an entry at this level map a page (the last level, or PS where the mode and CR4.PSE allow)?
    bool leaf_allowed(unsigned level) const { return lv_[level].leaf_test != 0; }
    std::uint64_t next_table(std::uint64_t raw) const { return raw & frame_table_; }
    const Machine& machine() const { return m_; }
    // The MOV to CR3 that loaded this machine: nullptr if it succeeded, else its #GP (a reserved
    // CR3 bit, or a bad PAE PDPTE with the PDPTE in step 0 of the returned walk).
    const Walk* cr3_fault() const { return load_ok_ ? nullptr : &load_fault_; }
    // An entry of the top table as the walk sees it: PAE's PDPTEs come from the PDPTE registers.
    std::uint64_t top_entry(unsigned index) const;

private:
    template <bool Record, unsigned EntrySize>
    std::uint64_t run(std::uint64_t va, Access access, Walk* w) const;
    // translate's fast path (walk_fast.cpp), one per level count: the walks that succeed, with
    // the level loop unrolled; any other walk is left to run().
    // With Path, the entries are recorded in *p and a walk the fast path does not finish
    // returns NO_TRANSLATION instead of going to run(). Plain function pointers: a call through
    // a pointer to member function costs a test and an adjustment on every walk.
    template <unsigned Levels, bool Path>
    static std::uint64_t fast(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p);
    static std::uint64_t slow(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p);
    static std::uint64_t none(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p);
    using FastFn = std::uint64_t (*)(const Mmu&, std::uint64_t, Access, WalkPath*);
    void pick_fast();

    // What one level needs during a walk, worked out from the mode and the control bits.
    struct Level {
        unsigned shift;
        std::uint64_t index_mask;
        std::uint64_t leaf_test;    // raw & leaf_test != 0 means a leaf: P for the last level,
                                    // PS where large pages exist (and CR4.PSE allows), else 0
        std::uint64_t rsvd_table;   // reserved bits when the entry points to a table
        std::uint64_t rsvd_leaf;    // reserved bits when it maps a page
        std::uint64_t frame_leaf;   // the page frame's bits in a leaf
        std::uint64_t no_perms;     // R/W and U/S for a PAE PDPTE, which has neither (read as 1)
        // For the fast path: raw & table_check == P for a good entry pointing to a table, and
        // raw & leaf_check == P for a good leaf.
        std::uint64_t table_check;
        std::uint64_t leaf_check;
        bool pse36;
        bool from_register;         // PAE PDPTE: read from the PDPTE registers, not memory
    };
    void load_cr3();

    const Machine& m_;
    const PagingMode& mode_;
    std::array<Level, 5> lv_{};
    unsigned levels_;
    std::uint64_t root_;            // CR3's table address
    std::uint64_t frame_table_;     // the next table's address bits
    std::uint64_t xd_mask_;         // bit 63 when EFER.NXE=1 and the mode has XD, else 0
    unsigned pse36_bits_;           // how many physical bits above 31 a 4 MB PDE carries
    std::array<std::uint64_t, 4> pdpte_{};  // PAE's PDPTE registers (SDM 4.4.1)
    bool load_ok_ = true;           // the MOV to CR3 succeeded
    Walk load_fault_;               // else: its #GP, as a walk with no access
    // translate's implementation for this machine, and walk_entries's: first_walk until the first
    // walk, then fast_next_ and path_next_ (pick_fast). Mutable: first_walk changes them once.
    mutable FastFn fast_ = &Mmu::slow;
    mutable FastFn path_ = &Mmu::none;
    FastFn fast_next_ = &Mmu::slow, path_next_ = &Mmu::none;
    template <bool Path>
    static std::uint64_t first_walk(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p);
    // The fast path's rights (SDM 4.6), by access (rights_index):
    //   need_     the bits every ANDed entry must have: P always (a walk the fast path gives up
    //             clears them all), U/S for user accesses, R/W for writes that need it;
    //   and_test_ the ANDed bits compared with need_: need_, and U/S where U/S=1 sends the walk
    //             to run() (a supervisor access under SMEP or SMAP);
    //   forbid_   the bits no entry may have (XD for fetches).
    // Arrays rather than one of structs: the index is then one shift and add, each mask one load.
    static unsigned rights_index(Access a) { return (a.user ? 4u : 0u) + static_cast<unsigned>(a.type); }
    std::array<std::uint64_t, 8> need_{}, forbid_{}, and_test_{};
    // The root table's bytes once its frame exists (at construction, or kept by the first fast
    // walk that finds it: frames never move or go away while the memory lives), so the fast path
    // does not look the root up; nullptr before, or when the MOV to CR3 failed (then run() takes
    // every walk).
    mutable const std::uint8_t* root_bytes_ = nullptr;
    // The fast path's memo, per upper level: entries there that pointed to a table, as read, and
    // those tables' bytes, one slot per index in a table (so the slot's offset is the entry's).
    // A walk reading the same entry takes the table from here: the entry passed this Mmu's checks
    // when it was kept, and only frames that exist are kept (a frame written later would not be
    // seen through ZERO_FRAME); frames never move while the memory lives. The start, 0 ->
    // ZERO_FRAME, is safe too: an entry of 0 is not present, and every entry of the zero frame is
    // 0, so such a walk still ends in run(). Mutable: a cache that never changes an answer (one
    // Mmu is not for several threads).
    static constexpr unsigned HINTS = 512;  // entries in a 64-bit mode's table
    struct Hints {
        std::array<std::uint64_t, HINTS> raw;
        std::array<const std::uint8_t*, HINTS> table;
    };
    // Levels 0-2: those above the PDE and PTE in 5-level paging. Left uninitialised here and
    // filled by the fast path's first walk (first_walk): walk(m, ...) of one address, or an Mmu
    // that only runs recorded walks, never pays for the 24 KB.
    mutable std::array<Hints, 3> hints_;
};

// Convenience for one-off walks (builds an Mmu each call).
Walk walk(const Machine& m, std::uint64_t va, Access access);

// One line a learner understands: "user-mode write to a read-only page (R/W=0 in the PTE)".
std::string describe(const Fault& f, const Walk& w, const PagingMode& mode);

// Sets A in every entry the walk used and D in the leaf for a write, as the CPU does after a
// successful walk (SDM 4.8). Returns the entries it changed.
struct EntryUpdate {
    unsigned level;
    std::uint64_t addr, before, after;
};
std::vector<EntryUpdate> apply_accessed_dirty(Machine& m, const Walk& w);

std::string_view access_name(AccessType t);

}  // namespace vmtour
