// The walk in every mode: translations, page sizes, not-present and reserved-bit faults.
#include "fixture.hpp"

#include "machine_file.hpp"

using namespace vmtour;
using namespace vmtour::test;

TEST_CASE("a 4 KB page translates in every mode and the walk records every level", "[walk][modes]") {
    for (const PagingMode* mode : ALL_MODES) {
        SECTION(std::string(mode->key)) {
            Fixture f(*mode);
            f.map(0x1337b000, 0xdeadb000, RW | US);
            const Walk w = f.go(0x1337babe);
            REQUIRE(w.ok);
            CHECK(w.translation.pa == 0xdeadbabe);
            CHECK(w.translation.page_size == 4096);
            REQUIRE(w.step_count == mode->level_count);
            for (unsigned i = 0; i < w.step_count; ++i) {
                const Step& s = w.steps[i];
                CHECK(s.level == i);
                CHECK(s.index == mode->level[i].index(0x1337babe));
                CHECK(s.entry_addr == s.table + s.index * mode->entry_size);
                CHECK(s.kind == (i + 1 == w.step_count ? StepKind::Leaf : StepKind::Table));
                if (i + 1 < w.step_count) CHECK(w.steps[i + 1].table == s.next);
            }
            CHECK(w.steps[0].table == f.m.root());
            CHECK(Mmu(f.m).translate(0x1337babe, {}) == 0xdeadbabe);
        }
    }
}

TEST_CASE("the blog's 2-level walk: indices 76 and 891, entries at 0x12340130 and 0x43210dec", "[walk][2level][blog]") {
    Fixture f(mode_2level());
    f.m.ctl.cr3 = 0x12340000;
    REQUIRE(f.m.mem.write32(0x12340000 + 76 * 4, 0x43210000 | P | RW | US));
    REQUIRE(f.m.mem.write32(0x43210000 + 891 * 4, 0xdeadb000 | P | RW | US));
    const Walk w = f.go(0x1337babe);
    REQUIRE(w.ok);
    CHECK(w.steps[0].index == 76);
    CHECK(w.steps[0].entry_addr == 0x12340130);
    CHECK(w.steps[1].index == 891);
    CHECK(w.steps[1].entry_addr == 0x43210dec);
    CHECK(w.translation.pa == 0xdeadbabe);
}

TEST_CASE("not present at each level faults there with P=0 in the error code", "[walk][fault][present]") {
    for (const PagingMode* mode : ALL_MODES) {
        for (unsigned level = 0; level < mode->level_count; ++level) {
            DYNAMIC_SECTION(mode->key << " level " << level) {
                Fixture f(*mode);
                f.map(0x1337b000, 0xdeadb000, RW | US);
                f.poke(0x1337b000, level, 0);
                const Walk w = f.go(0x1337b000, AccessType::Write, true);
                REQUIRE_FALSE(w.ok);
                CHECK(w.fault.reason == FaultReason::NotPresent);
                CHECK_FALSE(w.fault.general_protection);
                CHECK(w.fault.level == static_cast<int>(level));
                CHECK(w.fault.error_code == (pf::WR | pf::US));
                CHECK(w.step_count == level + 1);
                CHECK(Mmu(f.m).translate(0x1337b000, {}) == NO_TRANSLATION);
            }
        }
    }
}

TEST_CASE("2 MB and 1 GB leaves take their size from the level", "[walk][large]") {
    Fixture f(mode_4level());
    f.map(0x40000000, 0x80000000, RW | US, 1ull << 30);
    f.map(0x200000, 0x600000, RW | US, 2ull << 20);
    Walk w = f.go(0x40000000 + 0x12345678);
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == (1ull << 30));
    CHECK(w.translation.pa == 0x80000000 + 0x12345678);
    CHECK(w.step_count == 2);
    w = f.go(0x200000 + 0x1abcde);
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == (2ull << 20));
    CHECK(w.translation.pa == 0x600000 + 0x1abcde);
    CHECK(w.step_count == 3);
}

TEST_CASE("PAE has 2 MB pages at the PD and none at the PDPT", "[walk][pae][large]") {
    Fixture f(mode_pae());
    f.map(0xc0000000, 0x1000000, RW, 2ull << 20);
    const Walk w = f.go(0xc01fffff, AccessType::Read, false);
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == (2ull << 20));
    CHECK(w.translation.pa == 0x11fffff);
    PageTableBuilder b(f.m, f.frames);
    CHECK_FALSE(b.map({0x40000000, 0x40000000, 1ull << 30, 1ull << 30, RW}).empty());
}

TEST_CASE("the upper half of a 4 MB page keeps offset bit 21 (not a 2 MB page)", "[walk][2level][pse]") {
    Fixture f(mode_2level());
    f.map(0xc0000000, 0x00800000, RW, 4ull << 20);
    const Walk w = f.go(0xc0312345, AccessType::Read, false);  // bit 21 set
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == (4ull << 20));
    CHECK(w.translation.pa == 0x00b12345);
    CHECK(w.step_count == 1);
}

TEST_CASE("with CR4.PSE=0 a PDE's PS bit is ignored and the PDE points to a page table", "[walk][2level][pse]") {
    Fixture f(mode_2level());
    f.map(0x00400000, 0x00900000, RW | US);  // builds PDE 1 -> PT
    const std::uint64_t pde = f.entry(0x00400000, 0);
    f.poke(0x00400000, 0, pde | PS);
    f.m.ctl.cr4_pse = true;
    Walk w = f.go(0x00400000);
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == (4ull << 20));  // PS honoured: a 4 MB page at the PT's frame
    f.m.ctl.cr4_pse = false;
    w = f.go(0x00400000);
    REQUIRE(w.ok);
    CHECK(w.translation.page_size == 4096);
    CHECK(w.translation.pa == 0x00900000);
    CHECK(w.step_count == 2);
}

TEST_CASE("PSE-36: a 4 MB PDE carries physical bits 39:32 in bits 20:13", "[walk][2level][pse36]") {
    Fixture f(mode_2level());
    f.m.ctl.maxphyaddr = 40;
    f.map(0x00800000, 0x1200c00000ull, RW | US, 4ull << 20);
    const std::uint64_t pde = f.entry(0x00800000, 0);
    CHECK(pde == (0x00c00000 | (0x12ull << 13) | P | RW | US | PS));
    const Walk w = f.go(0x00a54321);
    REQUIRE(w.ok);
    CHECK(w.translation.pa == 0x1200c00000ull + 0x254321);
    // With MAXPHYADDR 36 only bits 16:13 carry address bits; bit 17 is reserved.
    f.m.ctl.maxphyaddr = 36;
    f.poke(0x00800000, 0, 0x00c00000 | (0x20ull << 13) | P | RW | US | PS);
    const Walk r = f.go(0x00800000);
    REQUIRE_FALSE(r.ok);
    CHECK(r.fault.reason == FaultReason::ReservedBit);
}

TEST_CASE("reserved bits fault with RSVD and P set in the error code", "[walk][fault][reserved]") {
    SECTION("2 MB leaf with bit 13 set") {
        Fixture f(mode_4level());
        f.map(0x200000, 0x400000, RW | US, 2ull << 20);
        f.poke(0x200000, 2, f.entry(0x200000, 2) | bit(13));
        const Walk w = f.go(0x200000);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::ReservedBit);
        CHECK(w.fault.error_code == (pf::P | pf::RSVD | pf::US));
        CHECK(w.steps[2].kind == StepKind::Reserved);
        CHECK(w.steps[2].reserved == bit(13));
    }
    SECTION("PAT at bit 12 of a 2 MB leaf is not reserved") {
        Fixture f(mode_4level());
        f.map(0x200000, 0x400000, RW | US | bit(bits::PAT_4K), 2ull << 20);
        CHECK((f.entry(0x200000, 2) & bit(bits::PAT_LARGE)));
        CHECK(f.go(0x200000).ok);
    }
    SECTION("PS in a PML4E") {
        Fixture f(mode_4level());
        f.map(0x1000, 0x2000, RW | US);
        f.poke(0x1000, 0, f.entry(0x1000, 0) | PS);
        const Walk w = f.go(0x1000);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::ReservedBit);
        CHECK(w.fault.level == 0);
    }
    SECTION("an address bit above MAXPHYADDR") {
        Fixture f(mode_4level());
        f.m.ctl.maxphyaddr = 46;
        f.map(0x1000, 0x2000, RW | US);
        f.poke(0x1000, 3, f.entry(0x1000, 3) | bit(47));
        CHECK(f.go(0x1000).fault.reason == FaultReason::ReservedBit);
        f.m.ctl.maxphyaddr = 52;
        CHECK(f.go(0x1000).ok);
    }
    SECTION("XD with EFER.NXE=0") {
        Fixture f(mode_pae());
        f.map(0x1000, 0x2000, RW | US | XD);
        CHECK(f.go(0x1000).ok);
        f.m.ctl.efer_nxe = false;
        const Walk w = f.go(0x1000);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::ReservedBit);
        CHECK(w.fault.level == 2);
    }
    SECTION("PAE PDPTE bits 2:1 (no R/W or U/S there): #GP at the MOV to CR3, not #PF (SDM 4.4.1)") {
        Fixture f(mode_pae());
        f.map(0x1000, 0x2000, RW | US);
        f.poke(0x1000, 0, f.entry(0x1000, 0) | RW);
        const Walk w = f.go(0x1000);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::PdpteReserved);
        CHECK(w.fault.general_protection);
        CHECK(w.fault.level == 0);
    }
}

TEST_CASE("a non-canonical address is #GP, not #PF, and reads no table", "[walk][fault][canonical]") {
    for (const PagingMode* mode : {&mode_4level(), &mode_5level()}) {
        Fixture f(*mode);
        const std::uint64_t bad = std::uint64_t{1} << mode->va_bits;  // just above the lower half
        const Walk w = f.go(bad);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.general_protection);
        CHECK(w.fault.reason == FaultReason::NonCanonical);
        CHECK(w.fault.error_code == 0);
        CHECK(w.step_count == 0);
        CHECK(mode->is_canonical(~std::uint64_t{0}));
    }
    // 0x0000800000000000 is canonical with LA57 but not with 4 levels.
    CHECK_FALSE(mode_4level().is_canonical(0x0000800000000000));
    CHECK(mode_5level().is_canonical(0x0000800000000000));
}

TEST_CASE("dump writes raw entries that read back to the same translations", "[machine][dump]") {
    for (const PagingMode* mode : ALL_MODES) {
        Fixture f(*mode);
        f.map(0x1337b000, 0xdeadb000, RW | US);
        f.map(0x00400000, 0x01000000, US, mode->level[mode->level_count - 2].entry_span());
        const std::string text = dump_machine(f.m);
        auto back = parse_machine(text, "dump");
        INFO(text);
        REQUIRE(back);
        for (std::uint64_t va : {0x1337babeull, 0x00400123ull, 0x00412345ull, 0x0ull})
            for (bool user : {true, false}) {
                const Walk a = f.go(va, AccessType::Write, user);
                const Walk b = walk(back.value, va, Access{AccessType::Write, user});
                CHECK(a.ok == b.ok);
                CHECK(a.translation.pa == b.translation.pa);
                CHECK(a.fault.error_code == b.fault.error_code);
            }
        // Dumping the dump gives the same tables (only the "from NAME" comment differs).
        auto body = [](const std::string& t) { return t.substr(t.find("\nmode")); };
        CHECK(body(dump_machine(back.value)) == body(text));
    }
}
