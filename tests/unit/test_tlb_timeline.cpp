// `vmsim tlb --svg`'s timeline (sim/present/tlb_timeline.hpp): every access counted once, in at
// most 512 columns, and the shape of the replay kept when the columns are merged.
#include "fixture.hpp"

#include "tlb.hpp"
#include "tlb_timeline.hpp"

using namespace vmtour;
using namespace vmtour::test;

namespace {

constexpr std::uint64_t BASE = 0x10000000;
constexpr Access READ{AccessType::Read, true};

std::uint64_t sum(const TlbTimeline& tl, std::uint64_t TlbTimeline::Column::*field) {
    std::uint64_t n = 0;
    for (const auto& c : tl.columns()) n += c.*field;
    return n;
}

}  // namespace

TEST_CASE("timeline: one column per access while they fit, every access and event counted", "[tlb][timeline]") {
    Fixture f(mode_4level());
    for (unsigned i = 0; i < 65; ++i) f.map(BASE + i * 0x1000ull, 0x40000000 + i * 0x1000ull, RW | US | A | D);
    Tlb t(f.m, unified_tlb(64, 0));
    TlbTimeline tl;
    tl.mark(TlbTimeline::Mark::Other);  // before the first access: in its column
    for (unsigned round = 0; round < 3; ++round)
        for (unsigned i = 0; i < 64; ++i) tl.access(t.access(BASE + i * 0x1000ull, READ));
    tl.mark(TlbTimeline::Mark::Cr3);  // after the last access: a column of its own, with no access
    REQUIRE(tl.width() == 1);
    REQUIRE(tl.columns().size() == 64 * 3 + 1);
    CHECK(tl.columns()[0].other == 1);
    CHECK(tl.columns()[0].walks == 1);
    CHECK(tl.columns()[64].hits[0] == 1);  // the second round hits
    CHECK(tl.columns().back().accesses == 0);
    CHECK(tl.columns().back().cr3 == 1);
    CHECK(sum(tl, &TlbTimeline::Column::accesses) == t.stats().accesses);
    CHECK(sum(tl, &TlbTimeline::Column::walks) == t.stats().walks);
}

TEST_CASE("timeline: a long replay is merged into at most 512 columns, keeping its phases", "[tlb][timeline]") {
    Fixture f(mode_4level());
    for (unsigned i = 0; i < 65; ++i) f.map(BASE + i * 0x1000ull, 0x40000000 + i * 0x1000ull, RW | US | A | D);
    Tlb t(f.m, unified_tlb(64, 0));
    TlbTimeline tl;
    // 65 pages in a cycle miss on every access (LRU), then 64 pages hit after their first round:
    // 6500 misses, then 64 misses and 6336 hits; a CR3 mark at access 10000.
    std::uint64_t n = 0;
    for (unsigned round = 0; round < 100; ++round)
        for (unsigned i = 0; i < 65; ++i, ++n) tl.access(t.access(BASE + i * 0x1000ull, READ));
    for (unsigned round = 0; round < 100; ++round)
        for (unsigned i = 0; i < 64; ++i, ++n) {
            if (n == 10000) tl.mark(TlbTimeline::Mark::Cr3);
            tl.access(t.access(BASE + i * 0x1000ull, READ));
        }
    REQUIRE(n == 12900);
    const auto& cols = tl.columns();
    CHECK(cols.size() <= TlbTimeline::MAX_COLUMNS);
    CHECK(cols.size() > TlbTimeline::MAX_COLUMNS / 2);
    CHECK(tl.width() == 32);  // 12900 accesses: 1, 2, ..., 32 a column until they fit 512
    for (std::size_t i = 0; i + 1 < cols.size(); ++i) CHECK(cols[i].accesses == tl.width());
    CHECK(sum(tl, &TlbTimeline::Column::accesses) == 12900);
    CHECK(sum(tl, &TlbTimeline::Column::walks) == t.stats().walks);
    CHECK(t.stats().walks == 6500 + 64);
    CHECK(sum(tl, &TlbTimeline::Column::cr3) == 1);
    CHECK(cols[10000 / 32].cr3 == 1);
    // The phases: the first 6500 accesses all walk; after 6500 + 64 (the 64 pages' first round)
    // nothing does.
    for (std::size_t i = 0; i < 6500 / 32; ++i) CHECK(cols[i].walks == cols[i].accesses);
    for (std::size_t i = (6500 + 64) / 32 + 1; i < cols.size(); ++i) CHECK(cols[i].walks == 0);
}

TEST_CASE("timeline: the picture's counts are the replay's", "[tlb][timeline][svg]") {
    Fixture f(mode_4level());
    f.map(BASE, 0x40000000, RW | US | A | D);
    Tlb t(f.m, unified_tlb(64, 0));
    TlbTimeline tl;
    for (int i = 0; i < 3; ++i) tl.access(t.access(BASE, READ));
    tl.access(t.access(BASE + 0x1000, READ));  // not mapped: a walk that faults
    const std::string svg = svg_tlb_timeline(t, tl, TlbRunInfo{"test.trace", "test machine", 0});
    CHECK(svg.find(R"(data-accesses="4" data-walks="2" data-faults="1" data-columns="4" data-width="1")") !=
          std::string::npos);
    CHECK(svg.find("2 of 4 accesses walked (50.0%)") != std::string::npos);
    CHECK(svg.find("TLB hit 2 (50.0%); 0 CR3 writes, 0 other events, 1 fault") != std::string::npos);
}
