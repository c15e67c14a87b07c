// The bookkeeping of a set-associative cache with LRU replacement, without its contents: which
// slots are in use, their order of use within each set, and an index from a key's hash to the
// slots that may hold it. The TLB's arrays and the paging-structure caches keep their entries in
// their own vectors, slot for slot, and ask this for lookups and victims.
//
// Why: the TLB model used to scan a whole set on every lookup and every fill, and a fully
// associative array is one set of all its entries (1536 in a large second level), so a replay
// that misses spent most of its time there. Here every operation is O(1) on average, and the
// choices are exactly those of the scans they replace (tests/unit/test_tlb_lru.cpp):
//   - a lookup visits only the slots whose key has the same hash (chains over a power-of-two
//     bucket table at least twice the slot count); the caller compares the keys;
//   - the victim of a fill is the lowest-numbered empty way of the set, else its least recently
//     used way (a doubly linked ring per set, most recent first, through a sentinel);
//   - "lowest empty way" is found from a per-set hint below which every way is in use, so
//     filling a set after a flush is linear in the set's size, not quadratic.
#pragma once

#include <cstdint>
#include <vector>

namespace vmtour {

class LruIndex {
public:
    static constexpr std::uint32_t NONE = ~std::uint32_t{0};

    // Slot i belongs to set i / ways.
    LruIndex(unsigned sets, unsigned ways) : ways_(ways), slots_(static_cast<std::uint32_t>(std::size_t{sets} * ways)), set_(sets) {
        slot_.resize(slots_);
        for (std::uint32_t i = 0; i < slot_.size(); ++i) slot_[i].set = i / ways, slot_[i].way = i % ways;
        // Each set's list is a ring through its own sentinel link (slots_ + set), so linking and
        // unlinking never test for an end.
        link_.resize(std::size_t{slots_} + sets);
        for (std::uint32_t s = 0; s < sets; ++s) link_[slots_ + s] = Link{slots_ + s, slots_ + s};
        unsigned bits = 1;
        while ((std::size_t{1} << bits) < 2 * slot_.size()) ++bits;
        bucket_.assign(std::size_t{1} << bits, NONE);
        shift_ = 64 - bits;
    }

    // The first slot, then the next ones, whose key has hash `h` (and some others: compare keys).
    std::uint32_t first(std::uint64_t h) const { return bucket_[bucket_of(h)]; }
    std::uint32_t next(std::uint32_t i) const { return slot_[i].chain; }
    bool used(std::uint32_t i) const { return slot_[i].used; }

    // Where a fill of this set goes: its lowest empty way, else its least recently used way.
    std::uint32_t victim(unsigned set) {
        Set& s = set_[set];
        if (s.used < ways_) {
            std::uint32_t i = set * ways_ + s.low;
            while (slot_[i].used) ++i;
            s.low = i - set * ways_;
            return i;
        }
        return link_[slots_ + set].prev;  // the tail of the ring
    }
    // Slot i now holds a key with hash h (what it held before is forgotten); it is the most
    // recently used of its set.
    void place(std::uint32_t i, std::uint64_t h) {
        Slot& x = slot_[i];
        if (x.used) {  // a victim: the set's count and empty ways stay as they are
            unchain(i);
            if (link_[slots_ + x.set].next != i) {
                unlink(i);
                link_front(x.set, i);
            }
        } else {
            x.used = true;
            ++set_[x.set].used;
            link_front(x.set, i);
        }
        x.bucket = bucket_of(h);
        x.chain = bucket_[x.bucket];
        bucket_[x.bucket] = i;
    }
    // Slot i was used: it becomes the most recently used of its set.
    void touch(std::uint32_t i) {
        const std::uint32_t set = slot_[i].set;
        if (link_[slots_ + set].next == i) return;
        unlink(i);
        link_front(set, i);
    }
    // Slot i is empty now.
    void clear(std::uint32_t i) {
        Slot& x = slot_[i];
        if (!x.used) return;
        Set& s = set_[x.set];
        unlink(i);
        unchain(i);
        x.used = false;
        --s.used;
        if (x.way < s.low) s.low = x.way;
    }

private:
    struct Slot {
        std::uint32_t chain = NONE;      // the next slot in the same bucket
        std::uint32_t bucket = 0;
        std::uint32_t set = 0, way = 0;  // fixed: where the slot is
        bool used = false;
    };
    // A set's order of use, most recent first: a ring of slots through the set's sentinel.
    struct Link {
        std::uint32_t prev, next;
    };
    struct Set {
        std::uint32_t used = 0;  // slots in use
        std::uint32_t low = 0;   // every way below this one is in use
    };

    // Fibonacci hashing: the top bits of h * 2^64/phi.
    std::uint32_t bucket_of(std::uint64_t h) const {
        return static_cast<std::uint32_t>((h * 0x9e3779b97f4a7c15ull) >> shift_);
    }
    // Takes slot i out of its bucket's chain.
    void unchain(std::uint32_t i) {
        for (std::uint32_t* p = &bucket_[slot_[i].bucket];; p = &slot_[*p].chain)
            if (*p == i) {
                *p = slot_[i].chain;
                return;
            }
    }
    void unlink(std::uint32_t i) {
        const Link x = link_[i];
        link_[x.prev].next = x.next;
        link_[x.next].prev = x.prev;
    }
    void link_front(std::uint32_t set, std::uint32_t i) {
        const std::uint32_t head = slots_ + set;
        const std::uint32_t first = link_[head].next;
        link_[i] = Link{head, first};
        link_[first].prev = i;
        link_[head].next = i;
    }

    unsigned ways_;
    unsigned shift_ = 0;
    std::uint32_t slots_;  // sets * ways; links from here on are the sets' sentinels
    std::vector<Slot> slot_;
    std::vector<Link> link_;
    std::vector<Set> set_;
    std::vector<std::uint32_t> bucket_;
};

}  // namespace vmtour
