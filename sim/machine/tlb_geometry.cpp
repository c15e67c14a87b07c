// TLB geometries: the unified TLB of the first exercises and named presets of real CPUs.
#include "tlb.hpp"

#include <fmt/format.h>

namespace vmtour {

TlbGeometry unified_tlb(unsigned entries, unsigned ways) {
    TlbGeometry g;
    g.name = ways ? fmt::format("{} entries, {}-way", entries, ways) : fmt::format("{} entries, fully associative", entries);
    g.levels.push_back({"TLB", TlbUse::Both, {{entries, ways, SIZES_ALL}}});
    return g;
}

const std::vector<TlbGeometry>& tlb_presets() {
    // Skylake (client): Intel 64 and IA-32 Architectures Optimization Reference Manual, section
    // 2.2 (Skylake microarchitecture), the table of TLB parameters. Per logical processor where
    // the manual says so (the 2M/4M ITLB's 8 entries). The STLB holds 4 KB and 2 MB pages in one
    // array; 1 GB pages have their own 16 entries. See docs/tlb.md.
    static const std::vector<TlbGeometry> presets = [] {
        std::vector<TlbGeometry> v;
        TlbGeometry s;
        s.name = "skylake";
        s.source = "Intel Optimization Reference Manual, Skylake client TLB table";
        s.levels = {
            {"L1i", TlbUse::Instruction, {{128, 8, SIZES_4K}, {8, 0, SIZES_LARGE}}},
            {"L1d", TlbUse::Data, {{64, 4, SIZES_4K}, {32, 4, SIZES_LARGE}, {4, 4, SIZES_1G}}},
            {"L2", TlbUse::Both, {{1536, 12, SIZES_4K | SIZES_LARGE}, {16, 4, SIZES_1G}}},
        };
        v.push_back(s);
        // Zen 2 (AMD Family 17h models 30h+), as WikiChip transcribes AMD's Software Optimization
        // Guide, and 7-cpu.com's Zen 2 page for the ITLBs; this machine's Zen 3 reports the same
        // sizes through CPUID 0x80000005/6. L1 ITLB and DTLB: 64 entries, fully associative,
        // every page size. L2 ITLB: 512 entries 8-way, L2 DTLB: 2048 entries, both for 4K and 2M.
        // Simplified here: the L2 DTLB is skewed-associative over 12 ways (12 does not divide
        // 2048), modelled as the 8 ways CPUID reports; a 1G page, which the L2s keep as 2M pieces,
        // is held only by the L1s. See docs/tlb.md.
        TlbGeometry z;
        z.name = "zen2";
        z.source = "AMD Software Optimization Guide for Family 17h Models 30h (via WikiChip), 7-cpu.com";
        z.levels = {
            {"L1i", TlbUse::Instruction, {{64, 0, SIZES_ALL}}},
            {"L1d", TlbUse::Data, {{64, 0, SIZES_ALL}}},
            {"L2i", TlbUse::Instruction, {{512, 8, SIZES_4K | SIZES_LARGE}}},
            {"L2d", TlbUse::Data, {{2048, 8, SIZES_4K | SIZES_LARGE}}},
        };
        v.push_back(z);
        return v;
    }();
    return presets;
}

const TlbGeometry* find_tlb_preset(std::string_view name) {
    for (const TlbGeometry& g : tlb_presets())
        if (g.name == name) return &g;
    return nullptr;
}

std::string check_geometry(const TlbGeometry& g) {
    if (g.levels.empty()) return "a TLB needs at least one level";
    if (g.levels.size() > 8) return "at most 8 TLB levels";
    if (g.psc_entries > (1u << 16))
        return fmt::format("a paging-structure cache of {} entries is too many (at most 65536)", g.psc_entries);
    for (const TlbLevelGeom& l : g.levels) {
        if (l.arrays.empty()) return fmt::format("TLB level {} has no arrays", l.name);
        for (const TlbArrayGeom& a : l.arrays) {
            if (a.entries == 0) return fmt::format("TLB level {}: an array of 0 entries", l.name);
            if (a.entries > (1u << 20)) return fmt::format("TLB level {}: {} entries is too many", l.name, a.entries);
            if (a.ways && a.entries % a.ways)
                return fmt::format("{} entries cannot be split into {} ways", a.entries, a.ways);
            if (!(a.sizes & SIZES_ALL)) return fmt::format("TLB level {}: an array that holds no page size", l.name);
        }
    }
    return {};
}

}  // namespace vmtour
