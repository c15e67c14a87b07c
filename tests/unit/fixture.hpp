// Common setup for the unit tests: empty machines in each mode and a one-line mapper.
#pragma once

#include "bits.hpp"
#include "builder.hpp"
#include "machine.hpp"
#include "walk.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace vmtour::test {

using bits::bit;

inline constexpr std::uint64_t P = bit(bits::P), RW = bit(bits::RW), US = bit(bits::US), PS = bit(bits::PS),
                               XD = bit(bits::XD), A = bit(bits::A), D = bit(bits::D);

struct Fixture {
    Machine m;
    FrameAllocator frames{0x100000};

    explicit Fixture(const PagingMode& mode) {
        m.mode = &mode;
        m.name = "test machine";
        m.ctl.cr3 = 0x10000;
    }
    // Maps one page (or a large page) and fails the test if the builder refuses.
    void map(std::uint64_t va, std::uint64_t pa, std::uint64_t flags, std::uint64_t page = 4096) {
        PageTableBuilder b(m, frames);
        const std::string err = b.map({va, pa, page, page, flags});
        INFO(err);
        REQUIRE(err.empty());
    }
    Walk go(std::uint64_t va, AccessType t = AccessType::Read, bool user = true) const {
        return walk(m, va, Access{t, user});
    }
    // Overwrites the entry the walk of `va` reads at `level`.
    void poke(std::uint64_t va, unsigned level, std::uint64_t value) {
        const Walk w = go(va);
        REQUIRE(w.step_count > level);
        REQUIRE(m.mem.write_entry(w.steps[level].entry_addr, m.mode->entry_size, value));
    }
    std::uint64_t entry(std::uint64_t va, unsigned level) const {
        const Walk w = go(va);
        REQUIRE(w.step_count > level);
        return w.steps[level].raw;
    }
};

inline const PagingMode* const ALL_MODES[] = {&mode_2level(), &mode_pae(), &mode_4level(), &mode_5level()};

}  // namespace vmtour::test
