#include "grade_cases.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "quiz.hpp"

#include <fmt/format.h>
#include <stdexcept>

namespace vmtour {

namespace {

using bits::bit;

constexpr Access READ_U{AccessType::Read, true}, WRITE_U{AccessType::Write, true}, FETCH_U{AccessType::Execute, true};
constexpr Access READ_S{AccessType::Read, false}, WRITE_S{AccessType::Write, false},
    FETCH_S{AccessType::Execute, false};
constexpr Access EVERY_ACCESS[] = {READ_U, WRITE_U, FETCH_U, READ_S, WRITE_S, FETCH_S};

constexpr std::uint64_t URW = bit(bits::RW) | bit(bits::US);

// A machine being crafted: the builder's tables plus direct edits of single entries.
struct Craft {
    GradeCase c;
    FrameAllocator frames{0x100000};

    Craft(std::string name, const PagingMode& mode, std::uint64_t cr3 = 0) {
        c.name = std::move(name);
        c.machine.mode = &mode;
        c.machine.name = "grade case " + c.name;
        c.machine.ctl.cr3 = cr3;
        if (cr3) frames = FrameAllocator(0x200000);
    }
    void map(std::uint64_t va, std::uint64_t pa, std::uint64_t page, std::uint64_t flags) {
        PageTableBuilder b(c.machine, frames);
        if (auto err = b.map({va, pa, page, page, flags}); !err.empty())
            throw std::logic_error(fmt::format("grade case {}: {}", c.name, err));
    }
    // Changes the entry the walk of `va` reads at `level`: clears then sets bits.
    void edit(std::uint64_t va, unsigned level, std::uint64_t clear, std::uint64_t set) {
        const Walk w = walk(c.machine, va, READ_S);
        if (w.step_count <= level) throw std::logic_error("grade case " + c.name + ": no such step");
        const Step& s = w.steps[level];
        // The walk read this entry, so its frame exists and the write cannot run out of frames.
        if (!c.machine.mem.write_entry(s.entry_addr, c.machine.mode->entry_size, (s.raw & ~clear) | set))
            throw std::logic_error("grade case " + c.name + ": physical memory is full");
    }
    void ask(std::uint64_t va, std::initializer_list<Access> accesses) {
        for (const Access& a : accesses) c.probes.push_back({va, a});
    }
    void ask_all(std::uint64_t va) {
        for (const Access& a : EVERY_ACCESS) c.probes.push_back({va, a});
    }
};

unsigned last_level(const PagingMode& mode) { return mode.level_count - 1; }

// Basic: PAE's CR3 holds the PDPT's address to 32 bytes (SDM 4.4.1), not to a page.
GradeCase pae_cr3(const PagingMode& mode) {
    Craft k("pae-cr3-32-bytes", mode, 0x1000e0);
    const std::uint64_t vas[] = {0x00401000, 0x40002000, 0x80003000, 0xc0004000};
    for (unsigned i = 0; i < 4; ++i) k.map(vas[i], 0x7a000000 + i * 0x5000, 4096, URW);
    for (std::uint64_t va : vas) k.ask(va + 0x123, {READ_U, WRITE_U});
    k.ask(0x00600abc, {READ_U});  // a PDE nobody wrote
    return std::move(k.c);
}

// Huge, 32-bit: with CR4.PSE=0 the PS bit of a PDE is ignored (SDM 4.3): the entry still points
// to a page table.
GradeCase pse_off(const PagingMode& mode) {
    Craft k("cr4-pse-off", mode);
    k.c.machine.ctl.cr4_pse = false;
    k.map(0x00800000, 0x3c001000, 4096, URW);
    k.map(0x00803000, 0x3c00a000, 4096, URW);
    k.edit(0x00800000, 0, 0, bit(bits::PS));
    k.ask(0x00800123, {READ_U});
    k.ask(0x00803fff, {WRITE_U});
    k.ask(0x00a01000, {READ_U});  // in the would-be 4 MB page, not mapped by the PT
    return std::move(k.c);
}

// Huge, 32-bit: PSE-36 puts physical bits 39:32 of a 4 MB page in PDE bits 20:13 (SDM table 4-4).
GradeCase pse36(const PagingMode& mode) {
    Craft k("pse36-above-4g", mode);
    k.map(0x40000000, 0x12c5400000, 4 << 20, URW);
    k.map(0x7fc00000, 0x0a00000000, 4 << 20, URW);
    k.ask(0x40000000, {READ_U});
    k.ask(0x403ff123, {WRITE_U});   // the upper half of the 4 MB page
    k.ask(0x7fe54321, {READ_U});
    return std::move(k.c);
}

// Huge, PAE/64-bit: 2 MB pages, and 1 GB pages in 4/5-level, with offsets in their upper halves.
GradeCase large_pages(const PagingMode& mode) {
    Craft k(mode.canonical ? "2m-and-1g-pages" : "2m-pages", mode);
    k.map(0x00200000, 0x7f400000, 2 << 20, URW);
    k.map(0x00400000, 0x2e00000, 4096, URW);
    k.ask(0x002fedcb, {READ_U, WRITE_U});
    k.ask(0x00400fff, {READ_U});
    if (mode.canonical) {
        k.map(0x40000000, 0x3c0000000, 1 << 30, URW);
        k.ask(0x7abcdef0, {READ_U});
        k.ask(0x40000001, {WRITE_U});
    }
    return std::move(k.c);
}

// Faults: rights ANDed (U/S, R/W) and ORed (XD) across levels (SDM 4.6): the directory entry
// takes a right away that the leaf grants.
GradeCase anded(const PagingMode& mode) {
    Craft k("rights-across-levels", mode);
    const unsigned pd = last_level(mode) - 1;
    const std::uint64_t span = mode.level[pd].entry_span();
    const std::uint64_t a = 0x10000000, b = a + span, c = a + 2 * span;
    k.map(a, 0x51000000, 4096, URW);
    k.map(b, 0x52000000, 4096, URW);
    k.map(c, 0x53000000, 4096, URW);
    k.edit(a, pd, bit(bits::US), 0);
    k.edit(b, pd, bit(bits::RW), 0);
    if (mode.has_xd) k.edit(c, pd, 0, bit(bits::XD));
    for (std::uint64_t va : {a, b, c}) k.ask_all(va + 0x40);
    return std::move(k.c);
}

// Faults: CR4.SMEP and CR4.SMAP, then EFLAGS.AC=1 lifting SMAP (SDM 4.6.1).
GradeCase smep_smap(const PagingMode& mode, bool ac) {
    Craft k(ac ? "smap-with-eflags-ac" : "smep-smap", mode);
    k.c.machine.ctl.cr4_smep = k.c.machine.ctl.cr4_smap = true;
    k.c.machine.ctl.rflags_ac = ac;
    k.map(0x08048000, 0x61234000, 4096, URW);
    k.map(0x08049000, 0x61235000, 4096, bit(bits::RW));  // a supervisor page
    k.ask_all(0x08048010);
    k.ask_all(0x08049010);
    return std::move(k.c);
}

// Faults: CR0.WP=0 lets supervisor writes ignore R/W (SDM 4.6); user writes still fault.
GradeCase wp_off(const PagingMode& mode) {
    Craft k("cr0-wp-off", mode);
    k.c.machine.ctl.cr0_wp = false;
    k.map(0x0804a000, 0x6a000000, 4096, bit(bits::US));
    k.map(0x0804b000, 0x6b000000, 4096, 0);
    k.ask_all(0x0804a777);
    k.ask_all(0x0804b777);
    return std::move(k.c);
}

// Faults: EFER.NXE=0: no XD, so fetches are allowed, I/D stays 0 without SMEP, and bit 63 is a
// reserved bit (SDM 4.4, 4.5).
GradeCase nxe_off(const PagingMode& mode) {
    Craft k("efer-nxe-off", mode);
    k.c.machine.ctl.efer_nxe = false;
    k.map(0x0c000000, 0x6c000000, 4096, URW);
    k.map(0x0c001000, 0x6c001000, 4096, URW);
    k.edit(0x0c001000, last_level(mode), 0, bit(bits::XD));
    k.ask(0x0c000010, {FETCH_U, WRITE_U, FETCH_S});
    k.ask(0x0c001010, {READ_U, FETCH_U});
    k.ask(0x0c002010, {FETCH_U});  // not present: no I/D without NXE or SMEP
    return std::move(k.c);
}

// Faults: reserved bits in present entries, #PF with P=1 and RSVD=1 (SDM 4.7).
GradeCase reserved(const PagingMode& mode) {
    Craft k("reserved-bits", mode);
    const unsigned last = last_level(mode);
    if (mode.entry_size == 4) {
        // PSE-36 with MAXPHYADDR=36: PDE bits 21:17 are reserved in a 4 MB PDE.
        k.c.machine.ctl.maxphyaddr = 36;
        k.map(0x40000000, 0x0f00000000, 4 << 20, URW);
        k.map(0x40400000, 0x0f00400000, 4 << 20, URW);
        k.edit(0x40400000, 0, 0, bit(18));
        k.ask(0x40012345, {READ_U});
        k.ask(0x40412345, {READ_U, WRITE_S});
        return std::move(k.c);
    }
    k.c.machine.ctl.maxphyaddr = 46;
    k.map(0x20000000, 0x62000000, 4096, URW);
    k.map(0x20001000, 0x62001000, 4096, URW);
    k.map(0x20400000, 0x62400000, 2 << 20, URW);
    k.edit(0x20001000, last, 0, bit(50));         // above MAXPHYADDR
    k.edit(0x20400000, last - 1, 0, bit(13));     // inside a 2 MB page's frame field
    k.ask(0x20000010, {READ_U});
    k.ask(0x20001010, {READ_U, WRITE_U});
    k.ask(0x20412345, {READ_S});
    if (mode.canonical) {
        // PS=1 in a PML4E (or PML5E) is reserved.
        k.map(0x0000500000000000, 0x63000000, 4096, URW);
        k.edit(0x0000500000000000, 0, 0, bit(bits::PS));
        k.ask(0x0000500000000008, {READ_U});
    }
    return std::move(k.c);
}

// Faults, 64-bit: bits 63:va_bits must copy bit va_bits-1, else #GP (SDM 3.3.7.1).
GradeCase non_canonical(const PagingMode& mode) {
    Craft k("non-canonical", mode);
    const std::uint64_t top = mode.va_limit() / 2;             // 2^47 or 2^56
    const std::uint64_t upper = ~(top - 1);                    // the first upper-half address
    k.map(top - 4096, 0x64000000, 4096, URW);
    k.map(upper, 0x65000000, 4096, URW);
    k.ask(top - 4096 + 8, {READ_U});
    k.ask(upper + 8, {READ_S});
    k.ask(top + 8, {READ_U});                       // bit va_bits-1 set, no sign extension
    k.ask((upper + 8) ^ bit(63), {READ_S});          // a hole in the sign extension
    k.ask((top - 4096 + 8) | bit(mode.va_bits), {READ_U});
    return std::move(k.c);
}

// Every large leaf of a machine, by the first virtual address it maps.
void large_leaves(const Machine& m, std::vector<std::pair<std::uint64_t, unsigned>>& out) {
    const Mmu mmu(m);
    const PagingMode& mode = *m.mode;
    auto visit = [&](auto&& self, std::uint64_t table, unsigned level, std::uint64_t va) -> void {
        const std::uint64_t n = mode.level[level].entries();
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t raw = m.mem.read_entry(table + i * mode.entry_size, mode.entry_size);
            if (!bits::test(raw, bits::P)) continue;
            std::uint64_t sub = va | (i << mode.level[level].shift);
            if (mode.canonical && bits::test(sub, mode.va_bits - 1)) sub |= ~(mode.va_limit() - 1);
            if (level + 1 == mode.level_count) continue;
            if (mmu.is_leaf(level, raw)) out.emplace_back(sub, level);
            else self(self, mmu.next_table(raw), level + 1, sub);
        }
    };
    visit(visit, m.root(), 0, 0);
}

GradeCase quiz_case(Stage stage, const PagingMode& mode, std::uint64_t seed) {
    const bool huge = stage == Stage::Huge, faults = stage == Stage::Faults;
    Quiz q = make_quiz(QuizOptions{&mode, seed, 16, huge, faults});
    GradeCase c{fmt::format("quiz seed {}", seed), std::move(q.machine), {}};
    for (const Question& x : q.questions) {
        if (faults) {
            for (const Access& a : EVERY_ACCESS) c.probes.push_back({x.va, a});
        } else {
            c.probes.push_back({x.va, x.access});
        }
    }
    if (huge) {
        std::vector<std::pair<std::uint64_t, unsigned>> leaves;
        large_leaves(c.machine, leaves);
        SplitMix64 rng(seed);
        for (const auto& [va, level] : leaves) {
            const std::uint64_t span = mode.level[level].entry_span();
            c.probes.push_back({va + rng.below(span / 2), READ_U});
            c.probes.push_back({va + span / 2 + rng.below(span / 2), READ_U});  // the upper half
        }
    }
    return c;
}

}  // namespace

std::string_view stage_name(Stage s) {
    switch (s) {
    case Stage::Basic: return "basic";
    case Stage::Huge: return "huge";
    case Stage::Faults: return "faults";
    }
    return "?";
}

std::optional<Stage> find_stage(std::string_view name) {
    for (Stage s : ALL_STAGES)
        if (stage_name(s) == name) return s;
    return std::nullopt;
}

std::vector<GradeCase> grade_cases(Stage stage, const PagingMode& mode, unsigned seeds) {
    std::vector<GradeCase> out;
    for (unsigned seed = 1; seed <= seeds; ++seed) out.push_back(quiz_case(stage, mode, seed));
    const bool legacy = mode.entry_size == 4;
    switch (stage) {
    case Stage::Basic:
        if (mode.cr3_align == 32) out.push_back(pae_cr3(mode));
        break;
    case Stage::Huge:
        if (legacy) {
            out.push_back(pse_off(mode));
            out.push_back(pse36(mode));
        } else {
            out.push_back(large_pages(mode));
        }
        break;
    case Stage::Faults:
        out.push_back(anded(mode));
        out.push_back(smep_smap(mode, false));
        out.push_back(smep_smap(mode, true));
        out.push_back(wp_off(mode));
        if (!legacy) out.push_back(nxe_off(mode));
        out.push_back(reserved(mode));
        if (mode.canonical) out.push_back(non_canonical(mode));
        break;
    }
    return out;
}

std::string probe_line(const Probe& p) {
    static constexpr const char* letter[] = {"r", "w", "x"};
    return fmt::format("{:#x} {} {}", p.va, letter[static_cast<int>(p.access.type)],
                       p.access.user ? "user" : "supervisor");
}

}  // namespace vmtour
