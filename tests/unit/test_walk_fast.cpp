// translate()'s fast path (sim/machine/walk_fast.cpp) against the recorded walk: on machines whose
// tables are random (entries that point at each other, large pages, reserved bits, missing
// frames) and whose control bits are random, every address and every kind of access gives the
// same answer both ways.
#include "fixture.hpp"

#include <random>

using namespace vmtour;
using namespace vmtour::test;

namespace {

constexpr unsigned TABLES = 8;  // table frames, every entry of them filled

struct RandomMachine {
    Machine m;
    std::vector<std::uint64_t> tables;  // their physical addresses
};

RandomMachine random_machine(const PagingMode& mode, std::mt19937_64& rng) {
    RandomMachine r;
    Machine& m = r.m;
    m.mode = &mode;
    auto chance = [&](unsigned in) { return rng() % in == 0; };
    m.ctl.cr0_wp = chance(2);
    m.ctl.cr4_pse = !chance(4);
    m.ctl.cr4_smep = chance(2);
    m.ctl.cr4_smap = chance(2);
    m.ctl.rflags_ac = chance(2);
    m.ctl.efer_nxe = !chance(4);
    if (mode.entry_size == 8) m.ctl.maxphyaddr = std::array{36u, 40u, 46u, 52u}[rng() % 4];
    for (unsigned t = 0; t < TABLES; ++t) r.tables.push_back((0x100 + t * 0x11 + (rng() % 4) * 0x1000) << 12);
    m.ctl.cr3 = r.tables[0];
    if (chance(16)) m.ctl.cr3 |= std::uint64_t{1} << (mode.canonical ? 60 : 3);  // sometimes a bad CR3
    for (std::uint64_t table : r.tables)
        for (unsigned i = 0; i < 4096 / mode.entry_size; ++i) {
            // PAE's PDPTEs (the first four entries of the root) have no rights, A, D or PS bits.
            const bool pdpte = mode.level[0].pdpte_pae && table == r.tables[0] && i < 4;
            std::uint64_t flags = pdpte ? bit(bits::PWT) : RW | US | XD | A | D | bit(bits::G) | bit(bits::PWT);
            if (!pdpte && chance(6)) flags |= PS;
            std::uint64_t raw;
            switch (rng() % 16) {
            case 0: raw = rng(); break;                                          // garbage
            case 1: raw = 0; break;                                              // not present
            case 2:
            case 3: raw = ((rng() % 0x100000) << 12) | (rng() & flags) | P; break;  // a frame, maybe missing
            default: raw = r.tables[rng() % TABLES] | (rng() & flags) | P;       // another table
            }
            // A large page's frame is aligned (else its low bits are reserved): to 1 GiB or 2 MiB.
            if (mode.entry_size == 8 && (raw & PS) && !chance(8))
                raw &= ~((std::uint64_t{1} << (chance(2) ? 30 : 21)) - 1) | 0xfff | XD;
            if (chance(12)) raw |= ~(rng() & rng() & rng());  // mostly ones: reserved bits
            REQUIRE(m.mem.write_entry(table + i * mode.entry_size, mode.entry_size, raw));
        }
    return r;
}

std::uint64_t random_va(const PagingMode& mode, std::mt19937_64& rng) {
    const std::uint64_t v = rng();
    switch (rng() % 4) {
    case 0: return v;  // anything, often not canonical
    case 1: return v & (mode.va_limit() - 1);
    default:  // canonical (sign-extended in the 64-bit modes)
        if (!mode.canonical) return v & 0xffffffff;
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(v << (64 - mode.va_bits)) >> (64 - mode.va_bits));
    }
}

}  // namespace

TEST_CASE("fast path: translate gives what the recorded walk gives, on random machines", "[walk][fast]") {
    std::mt19937_64 rng(20261122);
    for (const PagingMode* mode : ALL_MODES) {
        std::size_t ok = 0, faults = 0, large = 0, not_present = 0;
        for (int machine = 0; machine < 40; ++machine) {
            const RandomMachine r = random_machine(*mode, rng);
            const Mmu mmu(r.m);
            for (int n = 0; n < 400; ++n) {
                const std::uint64_t va = random_va(*mode, rng);
                for (const bool user : {false, true})
                    for (const AccessType t : {AccessType::Read, AccessType::Write, AccessType::Execute}) {
                        const Walk w = mmu.walk(va, Access{t, user});
                        const std::uint64_t pa = mmu.translate(va, Access{t, user});
                        if (pa != (w.ok ? w.translation.pa : NO_TRANSLATION)) {
                            INFO(mode->key << " machine " << machine << " va " << std::hex << va << " user " << user
                                           << " access " << static_cast<int>(t) << " walk "
                                           << (w.ok ? w.translation.pa : NO_TRANSLATION) << " translate " << pa);
                            FAIL();
                        }
                        // walk_entries says a walk ended at a not-present entry exactly when the
                        // recorded walk's fault is "not present" (what tlb --pages maps on).
                        WalkPath path;
                        if (!mmu.walk_entries(va, Access{t, user}, path) &&
                            path.not_present != (!w.ok && w.fault.reason == FaultReason::NotPresent)) {
                            INFO(mode->key << " machine " << machine << " va " << std::hex << va << " user " << user
                                           << " access " << static_cast<int>(t) << " fault "
                                           << static_cast<int>(w.fault.reason) << " not_present " << path.not_present);
                            FAIL();
                        }
                        ok += w.ok;
                        faults += !w.ok;
                        not_present += !w.ok && w.fault.reason == FaultReason::NotPresent;
                        large += w.ok && w.translation.page_size > 4096;
                    }
            }
        }
        // The machines exercise both outcomes and large pages, or the test proves little.
        INFO(mode->key << ": " << ok << " translated (" << large << " by large pages), " << faults << " faults");
        CHECK(ok > 1000);
        CHECK(large > 100);
        CHECK(faults > 1000);
        CHECK(not_present > 100);
    }
}

// The fast path keeps, per upper level and entry index, the last entry that pointed to a table and
// that table's bytes (Mmu::hints_). It must never answer from a memo that memory no longer backs.
TEST_CASE("fast path: the memo of upper tables follows memory", "[walk][fast][hints]") {
    for (const PagingMode* mode : {&mode_4level(), &mode_5level()}) {
        INFO(mode->key);
        Fixture f(*mode);
        // Two addresses whose PML4 entries differ and whose PDPT entries have the same index (5):
        // they share the memo's slot at the PDPT level.
        const std::uint64_t va_a = (std::uint64_t{1} << 39) | (std::uint64_t{5} << 30) | 0x123;
        const std::uint64_t va_b = (std::uint64_t{2} << 39) | (std::uint64_t{5} << 30) | 0x123;
        const std::uint64_t pa_a = 0x40000000, pa_b = 0x50000000;
        f.map(va_a & ~0xfffull, pa_a, RW | US);
        f.map(va_b & ~0xfffull, pa_b, RW | US);
        const Mmu mmu(f.m);
        const Access read{AccessType::Read, true};
        const unsigned pdpt = mode->level_count - 3;  // the PDPT's level
        for (int round = 0; round < 3; ++round) {  // aliasing slots: each address keeps its own table
            CHECK(mmu.translate(va_a, read) == (pa_a | 0x123));
            CHECK(mmu.translate(va_b, read) == (pa_b | 0x123));
            WalkPath path;
            REQUIRE(mmu.walk_entries(va_b, read, path));
            CHECK(path.pa == (pa_b | 0x123));
        }
        // A changed PDPTE is seen at once: va_a's entry now points to va_b's page directory.
        const std::uint64_t pdpte_a = f.entry(va_a, pdpt), pdpte_b = f.entry(va_b, pdpt);
        f.poke(va_a, pdpt, pdpte_b);
        CHECK(mmu.translate(va_a, read) == (pa_b | 0x123));
        f.poke(va_a, pdpt, pdpte_a);
        CHECK(mmu.translate(va_a, read) == (pa_a | 0x123));
        // A write to a table reached through the memo is seen: the PTE now maps another frame.
        const unsigned pt = mode->level_count - 1;
        f.poke(va_a, pt, 0x60000000 | P | RW | US);
        CHECK(mmu.translate(va_a, read) == (0x60000000 | 0x123));
        // A PML4E pointing to a frame that does not exist yet: no translation, and none kept, so
        // the frame written afterwards is read.
        const std::uint64_t va_c = (std::uint64_t{3} << 39) | (std::uint64_t{5} << 30) | 0x123;
        const std::uint64_t missing = 0x7770000;
        REQUIRE(!f.m.mem.has_frame(missing >> 12));
        const unsigned pml4 = mode->level_count - 4;
        const std::uint64_t pml4_table = f.go(va_a).steps[pml4].table;
        const std::uint64_t pml4_index = (va_c >> 39) & 0x1ff;
        REQUIRE(f.m.mem.write64(pml4_table + pml4_index * 8, missing | P | RW | US));
        CHECK(mmu.translate(va_c, read) == NO_TRANSLATION);
        CHECK(mmu.translate(va_c, read) == NO_TRANSLATION);
        REQUIRE(f.m.mem.write64(missing + 5 * 8, pdpte_b));  // va_c's PDPTE: va_b's page directory
        CHECK(mmu.translate(va_c, read) == (pa_b | 0x123));
        CHECK(mmu.walk(va_c, read).translation.pa == (pa_b | 0x123));
        // ... and by the fast path itself: a memo of the zero frame would send every later walk
        // through this entry to run() (right, but slow), and walk_entries would give up.
        WalkPath path;
        CHECK(mmu.walk_entries(va_c, read, path));
        CHECK(path.pa == (pa_b | 0x123));
    }
}
