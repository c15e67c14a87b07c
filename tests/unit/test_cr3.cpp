// The MOV to CR3 (Intel SDM 4.4.1, 4.5.2, tables 4-3, 4-7, 4-12): which CR3 bits are the table,
// which are flags or ignored, which are reserved (#GP), and PAE's PDPTE registers, loaded at the
// CR3 write, where a bad PDPTE is #GP(0) rather than a #PF during a walk.
#include "fixture.hpp"

#include "machine_file.hpp"
#include "memmap.hpp"
#include "quiz.hpp"

#include <fmt/format.h>

using namespace vmtour;
using namespace vmtour::test;

namespace {
// A PAE machine mapping 0x1000 -> 0x5000, with the PDPTE for VAs 0x40000000.. poked afterwards.
Fixture pae_machine() {
    Fixture f(mode_pae());
    f.m.ctl.cr3 = 0x3000;
    f.map(0x1000, 0x5000, RW | US);
    f.map(0x40000000, 0x6000, RW | US);
    return f;
}
}  // namespace

TEST_CASE("a present PAE PDPTE with a reserved bit makes the MOV to CR3 fail with #GP(0)", "[cr3][pae][sdm]") {
    // Bits 2:1 (R/W, U/S do not exist in a PDPTE), 8:5, 63:MAXPHYADDR; a PDPTE has no XD.
    for (std::uint64_t bad : {RW, US, A, D, PS, bit(8), XD, bit(40), bit(51)}) {
        Fixture f = pae_machine();
        const std::uint64_t pdpte = f.entry(0x40000000, 0);
        f.poke(0x40000000, 0, pdpte | bad);
        INFO(bad);
        const Mmu mmu(f.m);
        REQUIRE(mmu.cr3_fault());
        // Every access faults, even one through a good PDPTE: the CR3 load itself failed.
        const Walk w = mmu.walk(0x1000, {});
        CHECK_FALSE(w.ok);
        CHECK(w.fault.general_protection);
        CHECK(w.fault.reason == FaultReason::PdpteReserved);
        CHECK(w.fault.error_code == 0);
        CHECK(w.fault.reserved == bad);
        CHECK(w.steps[0].index == 1);
        CHECK(w.va == 0x1000);
        CHECK(mmu.translate(0x1000, {}) == NO_TRANSLATION);
        CHECK(describe(w.fault, w, mode_pae()) ==
              fmt::format("PDPTE 1 has reserved bits {:#x}: the MOV to CR3 failed (SDM 4.4.1)", bad));
    }
}

TEST_CASE("a not-present PDPTE may hold anything; PWT and PCD are allowed", "[cr3][pae][sdm]") {
    Fixture f = pae_machine();
    const std::uint64_t pdpte = f.entry(0x40000000, 0);
    f.poke(0x40000000, 0, RW | US | bit(40));  // P=0: the other bits are ignored
    CHECK_FALSE(Mmu(f.m).cr3_fault());
    const Walk w = f.go(0x40000000);
    CHECK_FALSE(w.fault.general_protection);
    CHECK(w.fault.reason == FaultReason::NotPresent);
    f.poke(0x1000, 0, f.entry(0x1000, 0) | bit(bits::PWT) | bit(bits::PCD));
    REQUIRE(f.m.mem.write64(0x3008, pdpte));
    CHECK(f.go(0x1000).ok);
    CHECK(f.go(0x40000000).translation.pa == 0x6000);
}

TEST_CASE("the PDPTE registers are what the walk uses, not memory written after the CR3 load", "[cr3][pae][sdm]") {
    Fixture f = pae_machine();
    const Mmu mmu(f.m);  // the MOV to CR3
    REQUIRE(f.m.mem.write64(0x3000, 0));  // the PDPT changes in memory afterwards
    CHECK(mmu.walk(0x1000, {}).ok);      // the register still holds the old PDPTE (SDM 4.4.1)
    CHECK_FALSE(Mmu(f.m).walk(0x1000, {}).ok);  // a new CR3 load sees the change
}

TEST_CASE("CR3 in the 32-bit modes: bits 63:32 are ignored, flag bits do not move the table", "[cr3][sdm]") {
    for (const PagingMode* mode : {&mode_2level(), &mode_pae()}) {
        const std::string file = fmt::format(
            "vmtour-machine 1\nmode {}\ncr3 0xffffffff00003018\nalloc 0x10000\nmap 0x1000 0x5000 4K rw,us\n", mode->key);
        auto m = parse_machine(file, "t.machine");
        REQUIRE(m);
        INFO(mode->key);
        CHECK(m.value.root() == (mode->cr3_align == 32 ? 0x3000u : 0x3000u));
        CHECK_FALSE(Mmu(m.value).cr3_fault());
        CHECK(walk(m.value, 0x1234, {}).translation.pa == 0x5234);
    }
    // PAE: the PDPT is 32-byte aligned, bits 4:0 are ignored.
    Fixture f(mode_pae());
    f.m.ctl.cr3 = 0x3020 | bit(bits::PWT);
    CHECK(f.m.root() == 0x3020);
}

TEST_CASE("CR3 in 4/5-level paging: 63:MAXPHYADDR reserved (#GP), PWT/PCD and PCIDs accepted", "[cr3][sdm]") {
    auto load = [](std::string_view extra) {
        const std::string file = fmt::format("vmtour-machine 1\nmode 4level\nmaxphyaddr 46\n{}alloc 0x10000\n"
                                             "map 0x1000 0x5000 4K rw,us\n", extra);
        auto m = parse_machine(file, "t.machine");
        REQUIRE(m);
        return std::move(m.value);
    };
    const Machine flags = load("cr3 0x3018\n");  // PWT and PCD
    CHECK(flags.root() == 0x3000);
    CHECK(walk(flags, 0x1000, {}).translation.pa == 0x5000);
    const Machine pcid = load("cr4.pcide 1\ncr3 0x3abc\n");
    CHECK(pcid.root() == 0x3000);
    CHECK(walk(pcid, 0x1000, {}).ok);
    CHECK(dump_machine(pcid).find("cr4.pcide 1\n") != std::string::npos);
    CHECK(dump_machine(flags).find("cr4.pcide") == std::string::npos);

    const Machine high = load("cr3 0x400000003000\n");  // bit 46 = MAXPHYADDR: reserved
    const Walk w = walk(high, 0x1000, {});
    CHECK_FALSE(w.ok);
    CHECK(w.fault.general_protection);
    CHECK(w.fault.reason == FaultReason::Cr3Reserved);
    CHECK(w.fault.reserved == 0x400000000000);
    CHECK(describe(w.fault, w, mode_4level()) ==
          "CR3 reserved bits 0x400000000000 set: the MOV to CR3 failed (SDM 4.5.2)");
    // Bit 63: reserved without PCIDE, the no-flush hint with it (not stored, SDM 4.10.4.1).
    CHECK(walk(load("cr3 0x8000000000003000\n"), 0x1000, {}).fault.reason == FaultReason::Cr3Reserved);
    CHECK(walk(load("cr4.pcide 1\ncr3 0x8000000000003000\n"), 0x1000, {}).ok);
}

TEST_CASE("a bad PDPTE is #GP in the memory map and the quiz's answer text too", "[cr3][pae][sdm]") {
    Fixture f = pae_machine();
    f.poke(0x40000000, 0, f.entry(0x40000000, 0) | RW);
    std::string error;
    (void)memory_map(f.m, {}, error);
    CHECK(error == "#GP: PDPTE 1 has reserved bits 0x2: the MOV to CR3 failed (SDM 4.4.1)");
    CHECK(answer_text(f.m, f.go(0x1000)) == "#GP: PDPTE 1 has reserved bits 0x2: the MOV to CR3 failed (SDM 4.4.1)");
}
