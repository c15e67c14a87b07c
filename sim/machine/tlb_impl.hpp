// The TLB model's state (tlb.hpp), shared by its two sources: tlb.cpp (construction, lookups,
// fills, walks) and tlb_invalidate.cpp (INVLPG, CR3 and CR4 writes, INVPCID). Not a public header.
#pragma once

#include "bits.hpp"
#include "lru_index.hpp"
#include "tlb.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace vmtour {

namespace tlb_detail {

struct Entry {
    std::uint64_t vpn = 0;    // va >> page shift
    std::uint64_t key = 0;    // tlb_key(vpn, size_class): what a lookup compares
    std::uint64_t frame = 0;  // physical address of the page
    std::uint16_t pcid = 0;
    std::uint8_t size_class = 0;
    std::uint8_t shift = 0;
    bool global = false, dirty = false;
    Perms perms;
};

// The key an entry is found by: its page number and page size (PCID and G are compared after).
inline std::uint64_t tlb_key(std::uint64_t vpn, unsigned size_class) { return vpn << 2 | size_class; }

// One set-associative array: sets * ways entries, set i at [i * ways, (i + 1) * ways). Which
// entries are valid, their LRU order and the index by key are in `lru` (lru_index.hpp).
struct Array {
    TlbArrayGeom g;
    std::vector<Entry> e;
    unsigned sets = 1, ways = 1;
    LruIndex lru;
    std::array<unsigned, SIZE_CLASSES> count{};  // valid entries per size class
    unsigned present = 0;                        // bit sc: count[sc] > 0
    void add(unsigned sc) {
        ++count[sc];
        present |= 1u << sc;
    }
    void remove(unsigned sc) {
        if (!--count[sc]) present &= ~(1u << sc);
    }
};

struct Level {
    TlbLevelGeom g;
    std::vector<Array> arrays;
    std::array<int, SIZE_CLASSES> fill_array{-1, -1, -1};  // [size class]: the first array holding it
    bool serves(AccessType t) const {
        if (g.use == TlbUse::Both) return true;
        return (t == AccessType::Execute) == (g.use == TlbUse::Instruction);
    }
};

// A paging-structure cache of one mode level: address bits above the level's shift -> the table
// the next level reads. Fully associative, LRU; at most one entry per (key, PCID).
// The key an entry is found by: the address bits above the level and the PCID (keys have at most
// 57 - 21 bits, so the two fit one word and a lookup compares once).
inline std::uint64_t psc_key(std::uint64_t key, std::uint16_t pcid) { return key << 12 | pcid; }
struct PscEntry {
    std::uint64_t key = 0, next = 0;  // key: psc_key(address bits, PCID)
    std::uint16_t pcid = 0;
};

struct Psc {
    std::vector<PscEntry> e;
    LruIndex lru{1, 1};
    bool on() const { return !e.empty(); }
};

}  // namespace tlb_detail

// Only tlb.cpp and tlb_invalidate.cpp include this header: its names serve them unqualified.
using namespace tlb_detail;

struct Tlb::Impl {
    std::unique_ptr<Mmu> mmu;
    std::vector<Level> levels;
    std::array<Psc, 5> psc;                     // [mode level]; off: no cache there
    std::array<unsigned, SIZE_CLASSES> shift{}; // page shift per size class; 0: the mode has none
    unsigned bottom = 0;                        // the mode's last level
    bool pae_pdpte = false;                     // level 0 is PAE's PDPTE registers
    WalkPath path;                              // the last miss's walk (access() only)
    std::array<unsigned, 3> serves{};           // [access type]: the levels serving it, a bit each
    std::array<unsigned, 3> first_level{};      // [access type]: the lowest bit of serves, or 32 (none)
    // The mode levels with a paging-structure cache, deepest first, and each level's shift: what
    // a miss looks up, without going through the mode and the caches that are off.
    std::array<std::uint8_t, 5> psc_levels{};
    unsigned psc_count = 0;
    std::array<unsigned, 5> level_shift{};

    // The entry that translates va for this PCID: in a fully associative array the lowest
    // numbered one at any page size, else the first page size (4K, large, 1G) with one, at its
    // lowest way. (Two can match only after PCID switches with global pages.)
    Entry* find(Array& a, std::uint64_t va, std::uint16_t pcid) {
        std::uint32_t best = LruIndex::NONE;
        // Only the sizes cached in this array (which implies their shift exists).
        for (unsigned sizes = a.present; sizes; sizes &= sizes - 1) {
            const auto sc = static_cast<unsigned>(std::countr_zero(sizes));
            const std::uint64_t key = tlb_key(va >> shift[sc], sc);
            for (std::uint32_t i = a.lru.first(key); i != LruIndex::NONE; i = a.lru.next(i)) {
                const Entry& x = a.e[i];
                if (x.key == key && (x.global || x.pcid == pcid) && i < best) best = i;
            }
            if (best != LruIndex::NONE && a.sets > 1) break;
        }
        return best == LruIndex::NONE ? nullptr : &a.e[best];
    }
    void touch(Array& a, const Entry& x) { a.lru.touch(static_cast<std::uint32_t>(&x - a.e.data())); }
    // Into the first array of the level that holds this size: the set's lowest empty way, else
    // its least recently used one.
    void fill(Level& l, const Entry& proto) {
        const int ai = l.fill_array[proto.size_class];
        if (ai < 0) return;
        Array& a = l.arrays[static_cast<unsigned>(ai)];
        const std::uint32_t i = a.lru.victim(a.sets == 1 ? 0 : static_cast<unsigned>(proto.vpn % a.sets));
        if (a.lru.used(i)) a.remove(a.e[i].size_class);
        a.e[i] = proto;
        a.lru.place(i, proto.key);
        a.add(proto.size_class);
    }
    // The walks the fast path leaves to run() (faults, SMEP/SMAP, unusual modes), recorded in full:
    // what access() uses of it goes into p and steps; the fault, if the walk ends in one.
    [[gnu::noinline]] std::optional<Fault> walk_slow(std::uint64_t va, Access a, WalkPath& p, unsigned& steps) const {
        const Walk w = mmu->walk(va, a);
        steps = w.step_count;
        for (unsigned i = 0; i < w.step_count; ++i) p.raw[i] = w.steps[i].raw;
        if (!w.ok) return w.fault;
        p.and_raw = 0;  // access() then looks at every entry's A bit
        p.leaf_level = w.translation.leaf_level;
        p.pa = w.translation.pa;
        p.perms = w.translation.perms;
        return std::nullopt;
    }
    template <typename Pred>
    void drop_tlb(Pred pred) {
        for (Level& l : levels)
            for (Array& a : l.arrays)
                for (std::uint32_t i = 0; i < a.e.size(); ++i)
                    if (a.lru.used(i) && pred(a.e[i])) {
                        a.lru.clear(i);
                        a.remove(a.e[i].size_class);
                    }
    }
    // A page fault invalidates what would translate va (4.10.4.2): its TLB entries, and its
    // paging-structure-cache entries.
    void drop_va_tlb(std::uint64_t va, std::uint16_t pcid) {
        drop_tlb([&](const Entry& x) { return (x.global || x.pcid == pcid) && x.vpn == va >> x.shift; });
    }
    void drop_va(std::uint64_t va, std::uint16_t pcid) {
        drop_va_tlb(va, pcid);
        for (unsigned i = 0; i < bottom; ++i) drop_psc_at(i, va >> level_shift[i], pcid);
    }
    template <typename Pred>
    void drop_psc(Pred pred) {
        for (Psc& c : psc)
            for (std::uint32_t i = 0; i < c.e.size(); ++i)
                if (c.lru.used(i) && pred(c.e[i])) c.lru.clear(i);
    }
    // The entry for (key, PCID) at this level, or NONE.
    std::uint32_t psc_find(unsigned lvl, std::uint64_t key, std::uint16_t pcid) const {
        const Psc& c = psc[lvl];
        const std::uint64_t k = psc_key(key, pcid);
        for (std::uint32_t i = c.lru.first(k); i != LruIndex::NONE; i = c.lru.next(i))
            if (c.e[i].key == k) return i;
        return LruIndex::NONE;
    }
    void drop_psc_at(unsigned lvl, std::uint64_t key, std::uint16_t pcid) {
        if (!psc[lvl].on()) return;
        if (const std::uint32_t i = psc_find(lvl, key, pcid); i != LruIndex::NONE) psc[lvl].lru.clear(i);
    }
    // An empty entry, else the LRU one. Only levels whose lookup just missed are filled, so the
    // cache holds no entry for this key (one entry per key, as in the scan this replaced).
    void psc_fill(unsigned lvl, std::uint64_t key, std::uint16_t pcid, std::uint64_t next) {
        Psc& c = psc[lvl];
        const std::uint32_t i = c.lru.victim(0);
        c.e[i] = PscEntry{psc_key(key, pcid), next, pcid};
        c.lru.place(i, c.e[i].key);
    }
};

}  // namespace vmtour
