// The TLB model: replacement and every invalidation rule, against counts worked out by hand,
// in every paging mode where the rule exists.
#include "fixture.hpp"

#include "tlb.hpp"

#include <fmt/format.h>

using namespace vmtour;
using namespace vmtour::test;

namespace {

constexpr std::uint64_t G = bit(bits::G);
constexpr Access READ{AccessType::Read, true}, WRITE{AccessType::Write, true}, FETCH{AccessType::Execute, true};
constexpr std::uint64_t BASE = 0x10000000, FRAMES = 0x40000000;

// Maps `pages` 4 KB pages from BASE to FRAMES with the given flags.
void map_pages(Fixture& f, unsigned pages, std::uint64_t flags = RW | US | A | D) {
    for (unsigned i = 0; i < pages; ++i) f.map(BASE + i * 0x1000ull, FRAMES + i * 0x1000ull, flags);
}

// Cycles through `pages` pages `rounds` times; returns the misses.
std::uint64_t cycle(Tlb& t, unsigned pages, unsigned rounds, Access a = READ) {
    std::uint64_t misses = 0;
    for (unsigned r = 0; r < rounds; ++r)
        for (unsigned i = 0; i < pages; ++i) {
            const TlbResult res = t.access(BASE + i * 0x1000ull + 8, a);
            REQUIRE(res.ok);
            CHECK(res.pa == FRAMES + i * 0x1000ull + 8);
            misses += res.hit_level < 0;
        }
    return misses;
}

bool hits(Tlb& t, std::uint64_t va, Access a = READ) { return t.access(va, a).hit_level >= 0; }

}  // namespace

TEST_CASE("LRU: 64 pages fit a 64-entry fully associative TLB, 65 miss every time", "[tlb][replacement][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 65);
            {
                Tlb t(f.m, unified_tlb(64, 0));
                CHECK(cycle(t, 64, 10) == 64);
                CHECK(t.stats().accesses == 640);
                CHECK(t.stats().hits[0][SIZE_4K] == 576);
                CHECK(t.stats().misses[0][SIZE_4K] == 64);
                CHECK(t.stats().walks == 64);
            }
            Tlb t(f.m, unified_tlb(64, 0));
            CHECK(cycle(t, 65, 10) == 650);
        }
    }
}

TEST_CASE("LRU evicts the least recently used way, not the oldest fill", "[tlb][replacement]") {
    Fixture f(mode_4level());
    map_pages(f, 3);
    Tlb t(f.m, unified_tlb(2, 0));
    const std::uint64_t a = BASE, b = BASE + 0x1000, c = BASE + 0x2000;
    CHECK(!hits(t, a));
    CHECK(!hits(t, b));
    CHECK(hits(t, a));   // a is now the most recent
    CHECK(!hits(t, c));  // evicts b
    CHECK(hits(t, a));
    CHECK(!hits(t, b));  // evicts c, used before a
    CHECK(hits(t, a));
    CHECK(!hits(t, c));  // evicts b
    CHECK(!hits(t, b));  // evicts a
    CHECK(hits(t, c));
}

TEST_CASE("set-associative: pages that share a set conflict, others do not", "[tlb][replacement][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 16);
            // 8 entries, 2 ways: 4 sets, page number mod 4 picks the set.
            Tlb t(f.m, unified_tlb(8, 2));
            // Pages 0, 4 and 8 share set 0: three pages in two ways, LRU, misses every time.
            std::uint64_t misses = 0;
            for (int r = 0; r < 5; ++r)
                for (unsigned p : {0u, 4u, 8u}) misses += !hits(t, BASE + p * 0x1000ull);
            CHECK(misses == 15);
            // Pages 1, 2, 3, 5, 6, 7 spread over sets 1-3, two each: 6 cold misses, then hits.
            misses = 0;
            for (int r = 0; r < 5; ++r)
                for (unsigned p : {1u, 2u, 3u, 5u, 6u, 7u}) misses += !hits(t, BASE + p * 0x1000ull);
            CHECK(misses == 6);
        }
    }
}

TEST_CASE("a stale translation stays until INVLPG", "[tlb][invalidation][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 2);
            Tlb t(f.m, unified_tlb(64, 0));
            CHECK(t.access(BASE + 0x10, READ).pa == FRAMES + 0x10);
            CHECK(!hits(t, BASE + 0x1000));
            const Walk w = f.go(BASE);
            const Step& pte = w.steps[w.step_count - 1];
            REQUIRE(t.write_entry(pte.entry_addr, 0x7000 | P | RW | US));
            for (int i = 0; i < 3; ++i) {
                const TlbResult r = t.access(BASE + 0x10, READ);
                CHECK(r.hit_level == 0);
                CHECK(r.pa == FRAMES + 0x10);  // the old frame: memory says 0x7000
            }
            CHECK(hits(t, BASE + 0x1000));  // the other page: cached, and INVLPG leaves it
            t.invlpg(BASE + 0x123);
            const TlbResult r = t.access(BASE + 0x10, READ);
            CHECK(r.hit_level == -1);
            CHECK(r.pa == 0x7010);
            CHECK(hits(t, BASE + 0x1000));
        }
    }
}

TEST_CASE("MOV to CR3 without PCIDs flushes all but global entries", "[tlb][invalidation][global][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            f.map(BASE, FRAMES, RW | US | A | D);
            f.map(BASE + 0x1000, FRAMES + 0x1000, RW | US | A | D | G);
            Tlb t(f.m, unified_tlb(64, 0));  // CR4.PGE=1
            t.access(BASE, READ);
            t.access(BASE + 0x1000, READ);
            t.write_cr3(f.m.ctl.cr3);  // the same tables, reloaded
            CHECK(!hits(t, BASE));
            CHECK(hits(t, BASE + 0x1000));
            t.set_pge(false);  // toggling PGE flushes everything, global entries too
            CHECK(!hits(t, BASE + 0x1000));
            // With PGE=0 the G bit is ignored: a CR3 write flushes that page too.
            t.write_cr3(f.m.ctl.cr3);
            CHECK(!hits(t, BASE + 0x1000));
            t.set_pge(true);
            t.access(BASE + 0x1000, READ);
            t.set_pge(true);  // writing the same value is no toggle
            CHECK(hits(t, BASE + 0x1000));
            // INVLPG drops a global entry too.
            t.invlpg(BASE + 0x1000);
            CHECK(!hits(t, BASE + 0x1000));
        }
    }
}

TEST_CASE("PCIDs: CR3 writes flush only the new PCID, bit 63 flushes nothing", "[tlb][invalidation][pcid]") {
    for (const PagingMode* mode : {&mode_4level(), &mode_5level()}) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 2);
            const std::uint64_t root = f.m.ctl.cr3;
            Tlb t(f.m, unified_tlb(64, 0), true, true);
            CHECK(t.access(BASE, READ).hit_level == -1);   // PCID 0
            t.write_cr3(root | 1);                          // PCID 1: flushes PCID 1 only
            CHECK(t.pcid() == 1);
            CHECK(!hits(t, BASE));                          // PCID 0's entry does not match
            t.write_cr3(root | bit(63));                    // back to PCID 0, no flush
            CHECK(f.m.ctl.cr3 == root);                     // bit 63 is not kept
            CHECK(hits(t, BASE));                           // PCID 0's entry survived both writes
            t.write_cr3(root | 1 | bit(63));
            CHECK(hits(t, BASE));                           // PCID 1's entry too
            t.write_cr3(root | 1);                          // flushes PCID 1
            CHECK(!hits(t, BASE));
            t.write_cr3(root | bit(63));
            CHECK(hits(t, BASE));
            CHECK(t.set_pcide(false).empty());              // PCIDE 1 -> 0 flushes everything
            CHECK(!hits(t, BASE));
        }
    }
}

TEST_CASE("paging-structure-cache entries belong to their PCID", "[tlb][psc][pcid]") {
    // The same tables under two PCIDs, switched with bit 63 (no flush): a walk under PCID 1 finds
    // none of PCID 0's paging-structure-cache entries (SDM 4.10.3.1: entries are tagged with the
    // PCID), then PCID 0 finds its own again. Each access is a new page: a TLB miss.
    for (const PagingMode* mode : {&mode_4level(), &mode_5level()}) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 3);
            const std::uint64_t root = f.m.ctl.cr3;
            const unsigned levels = mode->level_count;
            Tlb t(f.m, unified_tlb(64, 0), true, true);
            CHECK(t.access(BASE, READ).reads == levels);  // cold
            CHECK(t.access(BASE + 0x1000, READ).reads == 1);  // PDE cache, PCID 0
            t.write_cr3(root | 1 | bit(63));
            const TlbResult other = t.access(BASE + 0x2000, READ);
            CHECK(other.psc_level == -1);
            CHECK(other.reads == levels);
            t.write_cr3(root | bit(63));
            CHECK(t.access(BASE + 0x2000, READ).reads == 1);  // PCID 0's PDE entry is still there
            CHECK(t.stats().psc_hits[levels - 2] == 2);
        }
    }
}

TEST_CASE("PCIDE=1 needs a 64-bit mode and CR3[11:0]=0", "[tlb][pcid]") {
    Fixture f32(mode_pae());
    map_pages(f32, 1);
    Tlb t32(f32.m, unified_tlb(8, 0));
    CHECK(!t32.set_pcide(true).empty());
    Fixture f(mode_4level());
    map_pages(f, 1);
    Tlb t(f.m, unified_tlb(8, 0));
    CHECK(t.write_cr3(f.m.ctl.cr3 | bit(63)) == "CR3 bit 63 is reserved while CR4.PCIDE=0 (#GP)");
    t.write_cr3(f.m.ctl.cr3 | 5);
    CHECK(!t.set_pcide(true).empty());
    CHECK(!t.invpcid(1, 3, 0).empty());  // PCID 3 while PCIDE=0: #GP
    CHECK(!t.invpcid(4, 0, 0).empty());
}

TEST_CASE("INVPCID types 0 to 3", "[tlb][invalidation][pcid]") {
    Fixture f(mode_4level());
    f.map(BASE, FRAMES, RW | US | A | D);
    f.map(BASE + 0x1000, FRAMES + 0x1000, RW | US | A | D);
    f.map(BASE + 0x2000, FRAMES + 0x2000, RW | US | A | D | G);
    const std::uint64_t root = f.m.ctl.cr3;
    Tlb t(f.m, unified_tlb(64, 0), true, true);
    auto fill = [&] {  // BASE and BASE+0x1000 under PCIDs 0 and 1, the global page once
        for (std::uint64_t pcid : {0, 1}) {
            t.write_cr3(root | pcid | bit(63));
            t.access(BASE, READ);
            t.access(BASE + 0x1000, READ);
        }
        t.access(BASE + 0x2000, READ);
    };
    auto holds = [&](std::uint64_t pcid, std::uint64_t va) {
        t.write_cr3(root | pcid | bit(63));
        return hits(t, va);  // a miss refills, so ask each question once per fill
    };
    SECTION("type 0: one address of one PCID") {
        fill();
        CHECK(t.invpcid(0, 1, BASE).empty());
        CHECK(!holds(1, BASE));
        fill();
        CHECK(t.invpcid(0, 1, BASE).empty());
        CHECK(holds(1, BASE + 0x1000));
        CHECK(holds(0, BASE));
        CHECK(t.invpcid(0, 1, BASE + 0x2000).empty());
        CHECK(holds(1, BASE + 0x2000));  // global: kept
    }
    SECTION("type 1: one PCID, globals kept") {
        fill();
        CHECK(t.invpcid(1, 1, 0).empty());
        CHECK(!holds(1, BASE));
        CHECK(!holds(1, BASE + 0x1000));
        CHECK(holds(0, BASE));
        CHECK(holds(1, BASE + 0x2000));
    }
    SECTION("type 2: everything") {
        fill();
        CHECK(t.invpcid(2, 0, 0).empty());
        CHECK(!holds(0, BASE));
        CHECK(!holds(1, BASE + 0x1000));
        CHECK(!holds(0, BASE + 0x2000));
    }
    SECTION("type 3: every PCID, globals kept") {
        fill();
        CHECK(t.invpcid(3, 0, 0).empty());
        CHECK(!holds(0, BASE));
        CHECK(!holds(1, BASE));
        CHECK(holds(0, BASE + 0x2000));
    }
}

TEST_CASE("paging-structure caches: reads per walk with and without them", "[tlb][psc][modes]") {
    // A second page under the same PT: the PDE cache gives the PT, so one read (the PTE).
    // Without the caches every level is read, except PAE's PDPTEs, which are registers.
    struct Case {
        const PagingMode* mode;
        unsigned without;
    };
    for (const Case c : {Case{&mode_2level(), 2}, Case{&mode_pae(), 2}, Case{&mode_4level(), 4}, Case{&mode_5level(), 5}}) {
        SECTION(std::string(c.mode->key)) {
            Fixture f(*c.mode);
            map_pages(f, 2);
            Tlb t(f.m, unified_tlb(64, 0));
            TlbResult r = t.access(BASE, READ);
            CHECK(r.reads == c.without);
            CHECK(r.reads_no_psc == c.without);
            CHECK(r.psc_level == -1);
            r = t.access(BASE + 0x1000, READ);
            CHECK(r.reads_no_psc == c.without);
            CHECK(r.reads == 1);
            CHECK(r.psc_level == static_cast<int>(c.mode->level_count) - 2);
            // INVLPG empties the paging-structure caches of the PCID as well (4.10.4.1).
            t.invlpg(BASE);
            CHECK(t.access(BASE, READ).reads == c.without);
            CHECK(t.stats().mem_reads == 2 * c.without + 1);
            CHECK(t.stats().mem_reads_no_psc == 3 * c.without);
        }
    }
}

TEST_CASE("paging-structure caches: a PDPTE-cache hit in 4-level paging reads PD and PT", "[tlb][psc]") {
    Fixture f(mode_4level());
    f.map(BASE, FRAMES, RW | US);
    f.map(BASE + 0x200000, FRAMES + 0x200000, RW | US);  // the next PD entry: a new PT
    Tlb t(f.m, unified_tlb(64, 0));
    t.access(BASE, READ);
    const TlbResult r = t.access(BASE + 0x200000, READ);
    CHECK(r.reads == 2);
    CHECK(r.psc_level == 1);  // PDPTE cache
    Tlb none(f.m, [] { auto g = unified_tlb(64, 0); g.psc_entries = 0; return g; }());
    none.access(BASE, READ);
    CHECK(none.access(BASE + 0x200000, READ).reads == 4);
}

TEST_CASE("a write hitting an entry cached with D=0 walks again and sets D", "[tlb][dirty][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            map_pages(f, 1, RW | US);  // A=0, D=0
            Tlb t(f.m, unified_tlb(64, 0));
            CHECK(t.access(BASE, READ).walked);
            const TlbResult w1 = t.access(BASE, WRITE);
            CHECK(w1.walked);
            CHECK(w1.dirty_walk);
            CHECK(bits::test(f.entry(BASE, mode->level_count - 1), bits::D));
            const TlbResult w2 = t.access(BASE, WRITE);
            CHECK(!w2.walked);
            CHECK(w2.hit_level == 0);
            CHECK(t.stats().walks == 2);
            CHECK(t.stats().dirty_walks == 1);
            CHECK(t.valid_entries() == 1);
        }
    }
}

TEST_CASE("a miss sets A in every entry it read, at the entry's own address", "[tlb][dirty][modes]") {
    // The TLB finds where each entry lies from the entries above it (walk.hpp, WalkPath): the
    // same bits the recorded walk and apply_accessed_dirty set, in the same places (SDM 4.8).
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode), ref(*mode);
            map_pages(f, 2, RW | US);  // no A anywhere, no D
            map_pages(ref, 2, RW | US);
            Tlb t(f.m, unified_tlb(64, 0));
            REQUIRE(t.access(BASE + 0x1000, WRITE).walked);
            (void)apply_accessed_dirty(ref.m, walk(ref.m, BASE + 0x1000, WRITE));
            for (const std::uint64_t va : {BASE, BASE + 0x1000})
                for (unsigned i = 0; i < mode->level_count; ++i) {
                    INFO("va " << va << " level " << i);
                    CHECK(f.entry(va, i) == ref.entry(va, i));
                }
            CHECK(bits::test(f.entry(BASE + 0x1000, mode->level_count - 1), bits::A));
            CHECK(bits::test(f.entry(BASE + 0x1000, mode->level_count - 1), bits::D));
            CHECK(!bits::test(f.entry(BASE, mode->level_count - 1), bits::A));  // not read
            if (!mode->level[0].pdpte_pae) CHECK(bits::test(f.entry(BASE, 0), bits::A));
        }
    }
}

TEST_CASE("cached rights: a stale read-only entry faults until invalidated", "[tlb][rights]") {
    Fixture f(mode_4level());
    map_pages(f, 1, US | A | D);  // read-only
    Tlb t(f.m, unified_tlb(64, 0));
    CHECK(t.access(BASE, READ).ok);
    f.poke(BASE, 3, FRAMES | P | RW | US | A | D);  // now writable in memory, not in the TLB
    TlbResult r = t.access(BASE, WRITE);
    CHECK(!r.ok);
    CHECK(r.fault.reason == FaultReason::ReadOnly);
    CHECK(r.spurious);
    r = t.access(BASE, WRITE);  // the fault dropped the entry: this walk sees R/W=1
    CHECK(r.ok);
    CHECK(r.walked);
    // The other way: a writable entry stays writable after memory takes R/W away.
    f.poke(BASE, 3, FRAMES | P | US | A | D);
    CHECK(t.access(BASE, WRITE).ok);
    // Rights combine over levels: a supervisor PDE makes the user access fault on the walk.
    t.invlpg(BASE);
    f.poke(BASE, 2, f.entry(BASE, 2) & ~US);
    r = t.access(BASE, READ);
    CHECK(!r.ok);
    CHECK(r.fault.reason == FaultReason::SupervisorPage);
    CHECK(!r.spurious);
    CHECK(t.valid_entries() == 0);
}

TEST_CASE("faults are not cached and unmapped pages miss every time", "[tlb][fault]") {
    Fixture f(mode_4level());
    map_pages(f, 1);
    Tlb t(f.m, unified_tlb(64, 0));
    for (int i = 0; i < 3; ++i) CHECK(!t.access(BASE + 0x5000, READ).ok);
    CHECK(t.stats().faults == 3);
    CHECK(t.stats().walks == 3);
    CHECK(t.valid_entries() == 0);
}

TEST_CASE("large pages: one entry covers the page, in every mode that has them", "[tlb][sizes][modes]") {
    struct Case {
        const PagingMode* mode;
        std::uint64_t page;
        unsigned size_class;
    };
    for (const Case c : {Case{&mode_2level(), 0x400000, SIZE_LARGE}, Case{&mode_pae(), 0x200000, SIZE_LARGE},
                         Case{&mode_4level(), 0x200000, SIZE_LARGE}, Case{&mode_4level(), 0x40000000, SIZE_1G},
                         Case{&mode_5level(), 0x40000000, SIZE_1G}}) {
        SECTION(fmt::format("{} {:#x}", c.mode->key, c.page)) {
            Fixture f(*c.mode);
            f.map(0x40000000, 0x80000000, RW | US | A | D, c.page);
            Tlb t(f.m, unified_tlb(4, 0));
            std::uint64_t misses = 0;
            for (std::uint64_t off = 0; off < c.page; off += c.page / 256) {  // 256 addresses over the page
                const TlbResult r = t.access(0x40000000 + off, READ);
                REQUIRE(r.ok);
                CHECK(r.pa == 0x80000000 + off);
                CHECK(r.size_class == c.size_class);
                misses += r.hit_level < 0;
            }
            CHECK(t.access(0x40000000 + c.page - 1, READ).pa == 0x80000000 + c.page - 1);
            CHECK(misses == 1);
            CHECK(t.page_bytes(c.size_class) == c.page);
        }
    }
}

TEST_CASE("two levels: L1 misses that hit L2 refill L1; instruction and data L1s are separate", "[tlb][levels]") {
    Fixture f(mode_4level());
    map_pages(f, 100);
    TlbGeometry g;
    g.name = "test";
    g.levels = {{"L1i", TlbUse::Instruction, {{4, 0, SIZES_4K}}},
                {"L1d", TlbUse::Data, {{4, 0, SIZES_4K}}},
                {"L2", TlbUse::Both, {{16, 0, SIZES_4K}}}};
    Tlb t(f.m, g);
    CHECK(cycle(t, 8, 3) == 8);  // 8 pages: L1d too small, L2 holds them
    CHECK(t.stats().hits[1][SIZE_4K] == 0);  // LRU over 8 pages in 4 entries: L1d always misses
    CHECK(t.stats().hits[2][SIZE_4K] == 16);
    CHECK(t.stats().misses[1][SIZE_4K] == 24);
    CHECK(t.stats().misses[2][SIZE_4K] == 8);
    // A fetch of a page the data side holds in L2 hits L2, and then L1i.
    CHECK(t.access(BASE, FETCH).hit_level == 2);
    CHECK(t.access(BASE, FETCH).hit_level == 0);
    CHECK(t.stats().misses[0][SIZE_4K] == 1);
}

TEST_CASE("the Skylake preset builds and a 2 MB page misses L1d's 4K array but hits its own", "[tlb][presets]") {
    const TlbGeometry* g = find_tlb_preset("skylake");
    REQUIRE(g);
    CHECK(check_geometry(*g).empty());
    Fixture f(mode_4level());
    f.map(0x40000000, 0x80000000, RW | US | A | D, 0x200000);
    Tlb t(f.m, *g);
    CHECK(t.access(0x40000000, READ).hit_level == -1);
    CHECK(t.access(0x40001000, READ).hit_level == 1);
    CHECK(check_geometry(unified_tlb(10, 4)) != "");
}

TEST_CASE("the Zen 2 preset: 64 pages fit L1d, 2048 fit L2d, and a page the data side holds is fetched through L2i", "[tlb][presets]") {
    const TlbGeometry* g = find_tlb_preset("zen2");
    REQUIRE(g);
    CHECK(check_geometry(*g).empty());
    Fixture f(mode_4level());
    map_pages(f, 2049);
    Tlb t(f.m, *g);
    // L1d is fully associative: 64 pages cycled miss once each, then hit L1d (level 1).
    CHECK(cycle(t, 64, 3) == 64);
    CHECK(t.stats().hits[1][SIZE_4K] == 128);
    // 2048 consecutive pages fill the 256 sets of L2d's 8 ways exactly: after the first round
    // every access misses L1d (its 64 entries cycle out) and hits L2d (level 3), none walks.
    Tlb t2(f.m, *g);
    CHECK(cycle(t2, 2048, 2) == 2048);
    CHECK(t2.stats().hits[3][SIZE_4K] == 2048);
    // One page more puts 9 pages in set 0: only those 9 miss L2d in each later round (LRU).
    Tlb t3(f.m, *g);
    CHECK(cycle(t3, 2049, 2) == 2049 + 9);
    // Data and instructions have their own levels: a fetch of a page L1d holds walks, then L1i has it.
    CHECK(t.access(BASE, FETCH).hit_level == -1);
    CHECK(t.access(BASE, FETCH).hit_level == 0);
}

TEST_CASE("a geometry too large to build is refused, not allocated", "[tlb][presets]") {
    TlbGeometry g = unified_tlb(64, 0);
    g.psc_entries = 1u << 16;
    CHECK(check_geometry(g).empty());
    g.psc_entries = 1000000000;  // 3 caches of 10^9 entries: tens of gigabytes
    CHECK(check_geometry(g) == "a paging-structure cache of 1000000000 entries is too many (at most 65536)");
    Fixture f(mode_4level());
    CHECK_THROWS_AS(Tlb(f.m, g), std::invalid_argument);
    CHECK(check_geometry(unified_tlb((1u << 20) + 1, 0)) != "");
}
