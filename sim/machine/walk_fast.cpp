// translate's fast path: the walk of run() for the walks that succeed, with nothing recorded
// (or, for walk_entries, only the entries read: what a TLB fill needs).
//
// A TLB miss is a walk, and most walks succeed, so this is the loop that a replay of a trace
// spends its time in (scripts/bench-walk.sh counts its instructions). It differs from run() only
// in how it is written, never in what it decides:
//   - the level count is a template argument, so the loop is unrolled and each level's index
//     shift and width are constants (the shapes of SDM 4.3-4.5; pick_fast() checks them against
//     the mode's table and keeps run() for anything else);
//   - an entry is tested once against "present, no reserved bit, not a leaf" (or, at the last
//     level, "present, no reserved bit"): one mask and one compare;
//   - the access rights are judged once, after the leaf, from the ANDed and ORed entries;
//   - the upper levels keep the last entries that pointed to tables and those tables' bytes
//     (Mmu::hints_): a walk that reads the same entry again skips its checks and the frame's
//     lookup in physical memory, which are what a level costs. The entry is still read from
//     memory every time, so a changed entry is seen at once;
//   - every walk that ends otherwise (a fault, a supervisor access to a user page under SMEP or
//     SMAP) is handed to run() from the start, which finds the fault and its reason.
// The tests hold the two to the same answers (tests/unit/test_walk.cpp, "fast path", and the
// machine-file fuzz target).
#include "walk.hpp"

#include "bits.hpp"

#include <cstring>
#include <utility>

namespace vmtour {

namespace {

using bits::bit;

// Index bits per level: 10 in 32-bit paging (4-byte entries), 9 otherwise.
constexpr unsigned index_bits(unsigned levels) { return levels == 2 ? 10 : 9; }
constexpr unsigned entry_bytes(unsigned levels) { return levels == 2 ? 4 : 8; }
// The shift of level i (0 = the top): 12 for the last level, one index width more per level up.
constexpr unsigned level_shift(unsigned levels, unsigned i) {
    return bits::PAGE_SHIFT + index_bits(levels) * (levels - 1 - i);
}
// PAE's top level has 4 entries (bits 31:30), held in the PDPTE registers.
constexpr bool pae_top(unsigned levels, unsigned i) { return levels == 3 && i == 0; }
constexpr std::uint64_t index_mask(unsigned levels, unsigned i) {
    return pae_top(levels, i) ? 3 : (std::uint64_t{1} << index_bits(levels)) - 1;
}
// Levels that keep hints (Mmu::hints_): those above the last two. An entry there spans 1 GB or
// more, so walks come back to it; a PDE spans 2 MB, and keeping one costs more (two stores and a
// compare) than it saves when the accesses are spread (scripts/bench-walk.sh).
constexpr bool hinted(unsigned levels, unsigned i) { return !pae_top(levels, i) && i + 2 < levels; }
constexpr bool canonical(unsigned levels, std::uint64_t va) {
    if (levels < 4) return va >> 32 == 0;
    const unsigned va_bits = levels == 5 ? 57 : 48;
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(va << (64 - va_bits)) >> (64 - va_bits)) == va;
}

}  // namespace

template <unsigned Levels, bool Path>
std::uint64_t Mmu::fast(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p) {
    constexpr unsigned E = entry_bytes(Levels);
    const auto slow_walk = [&] {
        if constexpr (Path) return NO_TRANSLATION;
        else return mmu.run<false, E>(va, access, nullptr);
    };
    if (!canonical(Levels, va)) [[unlikely]]
        return slow_walk();
    // root_bytes_ is null when the MOV to CR3 failed (run() says so), or when the root's frame did
    // not exist yet: then it is kept once it does (frames never move while the memory lives).
    const std::uint8_t* table = mmu.root_bytes_;
    if (!table) [[unlikely]] {
        if (!mmu.load_ok_) return slow_walk();
        table = mmu.m_.mem.frames().find(mmu.root_ & ~(bits::PAGE_SIZE - 1));
        if (table != PhysMem::ZERO_FRAME) mmu.root_bytes_ = table;
    }
    const std::uint64_t frame_table = mmu.frame_table_;
    std::uint64_t and_bits = ~std::uint64_t{0}, or_bits = 0, pa = 0;
    [&]<unsigned... I>(std::integer_sequence<unsigned, I...>) __attribute__((always_inline)) {
        // A walk that the fast path does not finish at entry `raw`: no entry has P=1 in and_bits
        // now, so the rights test below, which needs P in every access, sends it to run(). An
        // entry with P=0 is a not-present fault whatever its other bits (SDM 4.7).
        auto fail = [&](std::uint64_t raw) {
            and_bits = 0;
            if constexpr (Path) p->not_present = !(raw & bit(bits::P));
            return false;
        };
        // One level; false ends the walk (at a leaf, with pa set; else after fail(raw)).
        auto level = [&]<unsigned i>() __attribute__((always_inline)) {
            constexpr unsigned shift = level_shift(Levels, i);
            const unsigned index = static_cast<unsigned>((va >> shift) & index_mask(Levels, i));
            std::uint64_t raw;
            if constexpr (pae_top(Levels, i)) {
                raw = mmu.pdpte_[index];  // checked for reserved bits by load_cr3(); no rights
                if (!(raw & bit(bits::P))) return fail(raw);
            } else {
                if constexpr (E == 8) std::memcpy(&raw, table + index * 8, 8);
                else {
                    std::uint32_t r32;
                    std::memcpy(&r32, table + index * 4, 4);
                    raw = r32;
                }
                const Level& l = mmu.lv_[i];
                if constexpr (i + 1 < Levels) {
                    if constexpr (hinted(Levels, i)) {
                        if (raw == mmu.hints_[i].raw[index]) {  // checked when it was kept
                            and_bits &= raw;
                            or_bits |= raw;
                            if constexpr (Path) p->raw[i] = raw;
                            table = mmu.hints_[i].table[index];
                            return true;
                        }
                    }
                    if ((raw & l.table_check) != bit(bits::P)) {
                        // A large page, or a fault for run() to name.
                        if (!(raw & l.leaf_test) || (raw & l.leaf_check) != bit(bits::P)) return fail(raw);
                        and_bits &= raw;
                        or_bits |= raw;
                        std::uint64_t frame = raw & l.frame_leaf;
                        if (l.pse36)  // PSE-36: physical bits 39:32 in bits 20:13 (SDM table 4-4)
                            frame |= ((raw >> bits::PSE36_LOW) & (bit(mmu.pse36_bits_) - 1)) << bits::PSE36_PA_SHIFT;
                        pa = frame | (va & (bit(shift) - 1));
                        if constexpr (Path) p->leaf_level = i, p->raw[i] = raw;
                        return false;
                    }
                    and_bits &= raw;
                    or_bits |= raw;
                } else {
                    if ((raw & l.leaf_check) != bit(bits::P)) return fail(raw);
                    and_bits &= raw;
                    or_bits |= raw;
                    pa = (raw & l.frame_leaf) | (va & (bits::PAGE_SIZE - 1));
                    if constexpr (Path) p->leaf_level = i, p->raw[i] = raw;
                    return false;
                }
            }
            if constexpr (Path) p->raw[i] = raw;
            table = mmu.m_.mem.frames().find(raw & frame_table);
            if constexpr (hinted(Levels, i)) {
                if (table != PhysMem::ZERO_FRAME) {
                    Hints& h = mmu.hints_[i];
                    h.raw[index] = raw, h.table[index] = table;
                }
            }
            return true;
        };
        (level.template operator()<I>() && ...);
    }(std::make_integer_sequence<unsigned, Levels>{});

    // The rights of run()'s table as masks: one test for every refusal (SDM 4.6).
    // Refused: a bit of `need` clear in some entry (P among them: fail() cleared and_bits), or
    // U/S=1 in all where `and_test` has it beyond `need`, or a `forbid` bit set in some entry.
    const unsigned a = rights_index(access);
    if ((and_bits & mmu.and_test_[a]) != mmu.need_[a] || (or_bits & mmu.forbid_[a])) [[unlikely]]
        return slow_walk();
    if constexpr (Path) {
        p->pa = pa;
        p->and_raw = and_bits;
        p->perms = Perms{bits::test(and_bits, bits::US), bits::test(and_bits, bits::RW), !(or_bits & mmu.xd_mask_)};
    }
    return pa;
}

// The first walk by the fast path fills its memo, then hands this and every later walk to the
// fast path itself: a walk(m, ...) of one address, or an Mmu that only runs recorded walks, never
// fills the memo's 24 KB, and the fast path tests nothing for it.
template <bool Path>
std::uint64_t Mmu::first_walk(const Mmu& mmu, std::uint64_t va, Access access, WalkPath* p) {
    // Every entry 0 -> ZERO_FRAME (safe: see hints_), where hinted levels exist (4 and 5 levels).
    // One store per word, which the compiler vectorises (a memset's rep stos counts per byte).
    if (mmu.fast_next_ != &Mmu::slow && mmu.levels_ >= 4)
        for (Hints& h : mmu.hints_)
            for (unsigned i = 0; i < HINTS; ++i) h.raw[i] = 0, h.table[i] = PhysMem::ZERO_FRAME;
    mmu.fast_ = mmu.fast_next_;
    mmu.path_ = mmu.path_next_;
    return (Path ? mmu.path_ : mmu.fast_)(mmu, va, access, p);
}

// The fast path where the mode has one of the shapes above, else run() for every walk.
void Mmu::pick_fast() {
    root_bytes_ = load_ok_ ? m_.mem.frame(root_ >> bits::PAGE_SHIFT) : nullptr;
    for (Level& l : lv_) {
        l.table_check = l.rsvd_table | l.leaf_test | bit(bits::P);
        l.leaf_check = l.rsvd_leaf | bit(bits::P);
    }
    // The table of run(), as masks. A supervisor access to a user page is refused under SMEP (a
    // fetch) or SMAP without EFLAGS.AC (a read or write): those walks go to run().
    const Control& c = m_.ctl;
    for (const bool user : {false, true})
        for (const AccessType t : {AccessType::Read, AccessType::Write, AccessType::Execute}) {
            const unsigned a = rights_index(Access{t, user});
            const bool write = t == AccessType::Write, fetch = t == AccessType::Execute;
            need_[a] = bit(bits::P) | (user ? bit(bits::US) : 0) | (write && (user || c.cr0_wp) ? bit(bits::RW) : 0);
            forbid_[a] = fetch ? xd_mask_ : 0;
            const bool refused = !user && (fetch ? c.cr4_smep : c.cr4_smap && !c.rflags_ac);
            and_test_[a] = need_[a] | (refused ? bit(bits::US) : 0);
        }
    auto shaped = [&](unsigned levels) {
        if (levels_ != levels || mode_.entry_size != entry_bytes(levels)) return false;
        for (unsigned i = 0; i < levels; ++i)
            if (lv_[i].shift != level_shift(levels, i) || lv_[i].index_mask != index_mask(levels, i) ||
                lv_[i].from_register != pae_top(levels, i))
                return false;
        return mode_.canonical == (levels > 3) && mode_.va_bits == (levels == 5 ? 57u : levels == 4 ? 48u : 32u);
    };
    if (shaped(2)) fast_next_ = &Mmu::fast<2, false>, path_next_ = &Mmu::fast<2, true>;
    else if (shaped(3)) fast_next_ = &Mmu::fast<3, false>, path_next_ = &Mmu::fast<3, true>;
    else if (shaped(4)) fast_next_ = &Mmu::fast<4, false>, path_next_ = &Mmu::fast<4, true>;
    else if (shaped(5)) fast_next_ = &Mmu::fast<5, false>, path_next_ = &Mmu::fast<5, true>;
    else fast_next_ = &Mmu::slow, path_next_ = &Mmu::none;
    fast_ = &Mmu::first_walk<false>, path_ = &Mmu::first_walk<true>;
}

}  // namespace vmtour
