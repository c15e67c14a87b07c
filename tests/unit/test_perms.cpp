// Access rights (SDM 4.6): U/S and R/W ANDed across levels, XD ORed, CR0.WP, SMEP, SMAP.
#include "fixture.hpp"

using namespace vmtour;
using namespace vmtour::test;

namespace {
constexpr std::uint64_t VA = 0x00400000;
}

TEST_CASE("a user access to a supervisor page faults with P and U/S", "[perms][us]") {
    for (const PagingMode* mode : ALL_MODES) {
        Fixture f(*mode);
        f.map(VA, 0x800000, RW);
        const Walk w = f.go(VA, AccessType::Read, true);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::SupervisorPage);
        CHECK(w.fault.error_code == (pf::P | pf::US));
        CHECK(f.go(VA, AccessType::Read, false).ok);
    }
}

TEST_CASE("U/S=0 in an upper level makes the page supervisor-only (AND across levels)", "[perms][us][levels]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, RW | US);
    f.poke(VA, 1, f.entry(VA, 1) & ~US);  // the PDPTE
    const Walk w = f.go(VA);
    REQUIRE_FALSE(w.ok);
    CHECK(w.fault.reason == FaultReason::SupervisorPage);
    CHECK_FALSE(w.steps[1].perms.user);
    CHECK(describe(w.fault, w, mode_4level()).find("PDPTE") != std::string::npos);
}

TEST_CASE("writes to a read-only page: users always fault, the supervisor only with CR0.WP=1", "[perms][rw][wp]") {
    for (const PagingMode* mode : ALL_MODES) {
        Fixture f(*mode);
        f.map(VA, 0x800000, US);
        Walk w = f.go(VA, AccessType::Write, true);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::ReadOnly);
        CHECK(w.fault.error_code == (pf::P | pf::WR | pf::US));
        CHECK(f.go(VA, AccessType::Read, true).ok);

        f.m.ctl.cr4_smap = false;
        f.m.ctl.cr0_wp = true;
        w = f.go(VA, AccessType::Write, false);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.error_code == (pf::P | pf::WR));
        f.m.ctl.cr0_wp = false;
        CHECK(f.go(VA, AccessType::Write, false).ok);
        CHECK_FALSE(f.go(VA, AccessType::Write, true).ok);  // WP does not help users
    }
}

TEST_CASE("R/W=0 in an upper level makes the page read-only", "[perms][rw][levels]") {
    Fixture f(mode_2level());
    f.map(VA, 0x800000, RW | US);
    f.poke(VA, 0, f.entry(VA, 0) & ~RW);
    const Walk w = f.go(VA, AccessType::Write);
    REQUIRE_FALSE(w.ok);
    CHECK(w.fault.reason == FaultReason::ReadOnly);
}

TEST_CASE("XD=1 at any level forbids instruction fetches, with I/D in the error code", "[perms][xd]") {
    for (const PagingMode* mode : {&mode_pae(), &mode_4level(), &mode_5level()}) {
        for (unsigned level = 1; level < mode->level_count; ++level) {
            DYNAMIC_SECTION(mode->key << " XD at level " << level) {
                Fixture f(*mode);
                f.map(VA, 0x800000, RW | US);
                CHECK(f.go(VA, AccessType::Execute).ok);
                f.poke(VA, level, f.entry(VA, level) | XD);
                const Walk w = f.go(VA, AccessType::Execute);
                REQUIRE_FALSE(w.ok);
                CHECK(w.fault.reason == FaultReason::NoExecute);
                CHECK(w.fault.error_code == (pf::P | pf::US | pf::ID));
                CHECK(f.go(VA, AccessType::Read).ok);  // reads are still fine
            }
        }
    }
}

TEST_CASE("I/D is reported only when NXE or SMEP is on", "[perms][xd][errorcode]") {
    Fixture f(mode_2level());  // no XD in 32-bit paging
    const Walk w = f.go(VA, AccessType::Execute);
    REQUIRE_FALSE(w.ok);
    CHECK(w.fault.error_code == pf::US);
    f.m.ctl.cr4_smep = true;
    CHECK(f.go(VA, AccessType::Execute).fault.error_code == (pf::US | pf::ID));
}

TEST_CASE("SMEP stops supervisor fetches from user pages", "[perms][smep]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, RW | US);
    CHECK(f.go(VA, AccessType::Execute, false).ok);
    f.m.ctl.cr4_smep = true;
    const Walk w = f.go(VA, AccessType::Execute, false);
    REQUIRE_FALSE(w.ok);
    CHECK(w.fault.reason == FaultReason::Smep);
    CHECK(w.fault.error_code == (pf::P | pf::ID));
    CHECK(f.go(VA, AccessType::Read, false).ok);        // data is not SMEP's business
    CHECK(f.go(VA, AccessType::Execute, true).ok);      // nor are user fetches
}

TEST_CASE("SMAP stops supervisor data accesses to user pages unless EFLAGS.AC=1", "[perms][smap]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, RW | US);
    f.m.ctl.cr4_smap = true;
    for (AccessType t : {AccessType::Read, AccessType::Write}) {
        const Walk w = f.go(VA, t, false);
        REQUIRE_FALSE(w.ok);
        CHECK(w.fault.reason == FaultReason::Smap);
    }
    CHECK(f.go(VA, AccessType::Read, true).ok);
    f.m.ctl.rflags_ac = true;
    CHECK(f.go(VA, AccessType::Write, false).ok);
}

TEST_CASE("A/D updates happen only on request, and D only for writes", "[walk][ad]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, RW | US);
    const Walk r = f.go(VA, AccessType::Read);
    REQUIRE(r.ok);
    for (unsigned i = 0; i < r.step_count; ++i) CHECK_FALSE((r.steps[i].raw & A));  // the walk wrote nothing
    auto changed = apply_accessed_dirty(f.m, r);
    CHECK(changed.size() == 4);
    CHECK((f.entry(VA, 3) & (A | D)) == A);
    const Walk wr = f.go(VA, AccessType::Write);
    changed = apply_accessed_dirty(f.m, wr);
    REQUIRE(changed.size() == 1);
    CHECK((f.entry(VA, 3) & (A | D)) == (A | D));
    CHECK(apply_accessed_dirty(f.m, f.go(0x7000000)).empty());  // a fault changes nothing
}

TEST_CASE("PAT is bit 7 in a 4 KB PTE and bit 12 in a large leaf; bit 7 is PS above the PT", "[bits][pat]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, RW | US | bit(bits::PAT_4K));
    CHECK((f.entry(VA, 3) & bit(7)));
    CHECK(f.go(VA).translation.page_size == 4096);  // bit 7 of a PTE is not a page size
    CHECK(flag_labels(f.entry(VA, 3), false, false, true).find("PAT") != std::string::npos);
    CHECK(flag_labels(f.entry(VA, 3), false, false, true).find("PS") == std::string::npos);
    f.map(0x40000000, 0x40000000, RW | bit(bits::PAT_4K), 2ull << 20);
    const std::uint64_t pde = f.entry(0x40000000, 2);
    CHECK((pde & PS));
    CHECK((pde & bit(bits::PAT_LARGE)));
    CHECK(flag_labels(pde, true, true, true) == "P R/W PS PAT");
}
