// LRU replacement of the TLB and the paging-structure caches, now kept by an index and lists
// (lru_index.hpp) instead of scans of stamps: the index against the scan it replaced, large
// TLBs against a plain reference LRU, and small cases worked out by hand.
#include "fixture.hpp"

#include "lru_index.hpp"
#include "tlb.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <list>
#include <random>
#include <vector>

using namespace vmtour;
using namespace vmtour::test;

namespace {

constexpr Access READ{AccessType::Read, true};
constexpr std::uint64_t BASE = 0x10000000, FRAMES = 0x40000000;

void map_pages(Fixture& f, unsigned pages) {
    for (unsigned i = 0; i < pages; ++i) f.map(BASE + i * 0x1000ull, FRAMES + i * 0x1000ull, RW | US | A | D);
}

// The replacement the TLB used before the index, as it was written: a stamp per slot (0: empty),
// the victim the first empty way of the set, else the way with the oldest stamp.
struct StampModel {
    unsigned ways;
    std::vector<std::uint64_t> stamp, key;
    std::uint64_t clock = 0;
    StampModel(unsigned sets, unsigned w) : ways(w), stamp(std::size_t{sets} * w), key(stamp.size()) {}
    std::uint32_t victim(unsigned set) const {
        std::uint32_t v = set * ways;
        for (std::uint32_t i = set * ways; i < (set + 1) * ways; ++i) {
            if (!stamp[i]) return i;
            if (stamp[i] < stamp[v]) v = i;
        }
        return v;
    }
    std::uint32_t find(std::uint64_t k) const {
        for (std::uint32_t i = 0; i < stamp.size(); ++i)
            if (stamp[i] && key[i] == k) return i;
        return LruIndex::NONE;
    }
};

std::uint32_t index_find(const LruIndex& x, const std::vector<std::uint64_t>& key, std::uint64_t k) {
    for (std::uint32_t i = x.first(k); i != LruIndex::NONE; i = x.next(i))
        if (x.used(i) && key[i] == k) return i;
    return LruIndex::NONE;
}

}  // namespace

TEST_CASE("LruIndex picks the same victims as the scan of stamps it replaced", "[tlb][replacement][lru]") {
    struct Shape {
        unsigned sets, ways;
    };
    for (const Shape sh : {Shape{1, 1}, Shape{1, 4}, Shape{16, 4}, Shape{128, 12}, Shape{1, 1536}}) {
        SECTION(fmt::format("{} sets of {} ways", sh.sets, sh.ways)) {
            LruIndex x(sh.sets, sh.ways);
            StampModel ref(sh.sets, sh.ways);
            std::vector<std::uint64_t> key(ref.stamp.size());
            std::mt19937_64 rng(12);
            // Keys from a range about twice the capacity: hits, misses and evictions all happen;
            // one operation in 16 empties a slot (an invalidation), leaving holes to refill.
            const std::uint64_t keys = 2ull * sh.sets * sh.ways + 3;
            for (int step = 0; step < 40000; ++step) {
                const std::uint64_t k = rng() % keys;
                const unsigned set = static_cast<unsigned>(k % sh.sets);
                const std::uint32_t found = ref.find(k);
                REQUIRE(index_find(x, key, k) == found);
                if (rng() % 16 == 0) {
                    if (found != LruIndex::NONE) {
                        x.clear(found);
                        ref.stamp[found] = 0;
                    }
                } else if (found != LruIndex::NONE) {
                    x.touch(found);
                    ref.stamp[found] = ++ref.clock;
                } else {
                    const std::uint32_t v = ref.victim(set);
                    REQUIRE(x.victim(set) == v);
                    x.place(v, k);
                    key[v] = ref.key[v] = k;
                    ref.stamp[v] = ++ref.clock;
                }
                const auto j = static_cast<std::uint32_t>(rng() % key.size());
                REQUIRE(x.used(j) == (ref.stamp[j] != 0));
            }
            for (std::uint32_t i = 0; i < key.size(); ++i) CHECK(x.used(i) == (ref.stamp[i] != 0));
        }
    }
}

TEST_CASE("a 1536-entry TLB, fully and 12-way associative, against a reference LRU", "[tlb][replacement][lru]") {
    // The reference keeps one most-recent-first list per set; INVLPG removes the page.
    for (const unsigned ways : {0u, 12u}) {
        SECTION(ways ? "1536:12" : "1536, fully associative") {
            Fixture f(mode_4level());
            constexpr unsigned PAGES = 4096;
            map_pages(f, PAGES);
            Tlb t(f.m, unified_tlb(1536, ways));
            const unsigned sets = ways ? 1536 / ways : 1, cap = ways ? ways : 1536;
            std::vector<std::list<unsigned>> ref(sets);
            std::mt19937_64 rng(1536 + ways);
            std::uint64_t misses = 0, ref_misses = 0;
            for (int step = 0; step < 30000; ++step) {
                // Mostly a working set of 1024 pages; one access in four anywhere in 4096.
                const unsigned p = static_cast<unsigned>(rng() % 4 ? rng() % 1024 : rng() % PAGES);
                std::list<unsigned>& set = ref[p % sets];
                const auto it = std::find(set.begin(), set.end(), p);
                const std::uint64_t va = BASE + p * 0x1000ull;
                if (rng() % 64 == 0) {
                    t.invlpg(va);
                    if (it != set.end()) set.erase(it);
                    continue;
                }
                const bool ref_hit = it != set.end();
                if (ref_hit) set.erase(it);
                set.push_front(p);
                if (set.size() > cap) set.pop_back();
                const TlbResult r = t.access(va + 8, READ);
                REQUIRE(r.ok);
                REQUIRE(r.pa == FRAMES + p * 0x1000ull + 8);
                INFO("step " << step << " page " << p);
                REQUIRE((r.hit_level == 0) == ref_hit);
                misses += r.hit_level < 0;
                ref_misses += !ref_hit;
            }
            CHECK(misses == ref_misses);
            std::size_t cached = 0;
            for (const auto& s : ref) cached += s.size();
            CHECK(t.valid_entries() == cached);
        }
    }
}

TEST_CASE("LRU after an INVLPG: the hole is refilled, then the least recently used goes", "[tlb][replacement][lru]") {
    // Worked by hand, least recent first:  0 1 2 3  -(invlpg 1)->  0 2 3  -(4)->  0 2 3 4
    // -(0 hits)->  2 3 4 0  -(5 evicts 2)->  3 4 0 5  -(2 evicts 3)->  4 0 5 2  -(3 evicts 4)->
    // 0 5 2 3  -(0 hits)->  5 2 3 0  -(4 evicts 5)->  2 3 0 4  -(5 evicts 2)->  3 0 4 5
    // -(3, 0 hit)->  4 5 3 0: 4 cold misses and 6 more.
    Fixture f(mode_4level());
    map_pages(f, 6);
    Tlb t(f.m, unified_tlb(4, 0));
    auto hit = [&](unsigned p) { return t.access(BASE + p * 0x1000ull, READ).hit_level == 0; };
    for (unsigned p : {0u, 1u, 2u, 3u}) CHECK(!hit(p));
    t.invlpg(BASE + 0x1000);
    CHECK(t.valid_entries() == 3);
    const std::vector<std::pair<unsigned, bool>> expect = {{4, false}, {0, true},  {5, false}, {2, false}, {3, false},
                                                           {0, true},  {4, false}, {5, false}, {3, true},  {0, true}};
    for (const auto& [p, h] : expect) {
        INFO("page " << p);
        CHECK(hit(p) == h);
    }
    CHECK(t.stats().misses[0][SIZE_4K] == 10);
}

TEST_CASE("paging-structure caches replace the least recently used entry", "[tlb][psc][lru]") {
    // Two entries per cache. Pages in three 2 MB regions A, B, C of one 1 GB region, each access
    // a new page (a TLB miss): the PDPTE cache always hits (PD and PT read, 2 reads); the PDE
    // cache, least recent first: A -> A B -> B C (A evicted) -> C A (B evicted) -> A C (C hit)
    // -> C B (A evicted) -> B C (C hit).
    Fixture f(mode_4level());
    constexpr std::uint64_t MB2 = 0x200000;
    for (unsigned region = 0; region < 3; ++region)
        for (unsigned page = 0; page < 3; ++page)
            f.map(BASE + region * MB2 + page * 0x1000ull, FRAMES + region * MB2 + page * 0x1000ull, RW | US);
    auto g = unified_tlb(64, 0);
    g.psc_entries = 2;
    Tlb t(f.m, g);
    auto reads = [&](unsigned region, unsigned page) {
        const TlbResult r = t.access(BASE + region * MB2 + page * 0x1000ull, READ);
        REQUIRE(r.hit_level == -1);
        return r.reads;
    };
    CHECK(reads(0, 0) == 4);  // cold: every level
    CHECK(reads(1, 0) == 2);  // PDPTE cache
    CHECK(reads(2, 0) == 2);  // PDPTE cache; A's PDE goes
    CHECK(reads(0, 1) == 2);  // A missed the PDE cache; B's PDE goes
    CHECK(reads(2, 1) == 1);  // C's PDE: only the PTE is read
    CHECK(reads(1, 1) == 2);  // B missed; A's PDE goes (C was used last)
    CHECK(reads(2, 2) == 1);
    CHECK(t.stats().psc_hits[2] == 2);
    CHECK(t.stats().psc_hits[1] == 4);
}
