#include "cpuid_tlb.hpp"

#include <algorithm>
#include <fmt/format.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace vmtour {

namespace {

// Adds an array to the level called `name`, creating the level (kept in name order: L1d, L1i, L2).
void add(HostTlb& out, const std::string& name, TlbUse use, TlbArrayGeom a) {
    auto& levels = out.geometry.levels;
    auto it = std::find_if(levels.begin(), levels.end(), [&](const TlbLevelGeom& l) { return l.name == name; });
    if (it == levels.end()) {
        levels.push_back({name, use, {}});
        std::sort(levels.begin(), levels.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
        it = std::find_if(levels.begin(), levels.end(), [&](const TlbLevelGeom& l) { return l.name == name; });
    }
    it->arrays.push_back(a);
}

std::string level_name(unsigned level, TlbUse use) {
    return fmt::format("L{}{}", level, use == TlbUse::Instruction ? "i" : use == TlbUse::Data ? "d" : "");
}

// Leaf 2 TLB descriptors (Intel SDM Vol. 2A, CPUID, table "Encoding of CPUID Leaf 2 Descriptors"):
// only the ones found in CPUs since Core 2 are listed; the others are reported as unknown.
struct Descriptor {
    std::uint8_t code;
    unsigned level;
    TlbUse use;
    unsigned entries, ways, sizes;  // ways 0: fully associative
};
constexpr Descriptor DESCRIPTORS[] = {
    {0x03, 1, TlbUse::Data, 64, 4, SIZES_4K},
    {0x5A, 1, TlbUse::Data, 32, 4, SIZES_LARGE},
    {0x63, 1, TlbUse::Data, 32, 4, SIZES_LARGE},  // and 4 entries, 4-way, for 1 GB pages (below)
    {0x76, 1, TlbUse::Instruction, 8, 0, SIZES_LARGE},
    {0xB0, 1, TlbUse::Instruction, 128, 4, SIZES_4K},
    {0xB5, 1, TlbUse::Instruction, 64, 8, SIZES_4K},
    {0xB6, 1, TlbUse::Instruction, 128, 8, SIZES_4K},
    {0xBA, 1, TlbUse::Data, 64, 4, SIZES_4K},
    {0xC1, 2, TlbUse::Both, 1024, 8, SIZES_4K | SIZES_LARGE},
    {0xC3, 2, TlbUse::Both, 1536, 6, SIZES_4K | SIZES_LARGE},  // and 16 entries, 4-way, for 1 GB
    {0xCA, 2, TlbUse::Both, 512, 4, SIZES_4K},
};

// AMD's encoded associativity of L2 caches and TLBs (APM Vol. 3, CPUID Fn8000_0006); 0: off.
unsigned amd_l2_ways(unsigned code, unsigned entries) {
    static constexpr unsigned table[16] = {0, 1, 2, 3, 4, 0, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0};
    if (code == 0xF) return entries;  // fully associative
    if (code == 5) return 6;
    return table[code & 0xF];
}

void amd_pair(HostTlb& out, unsigned level, std::uint32_t reg, unsigned sizes, bool l2) {
    // L1: bits 31:24 data assoc, 23:16 data entries, 15:8 instr assoc, 7:0 instr entries (0xFF: full).
    // L2: bits 31:28 data assoc (encoded), 27:16 data entries, 15:12 instr assoc, 11:0 instr entries.
    for (const bool data : {false, true}) {
        const std::uint32_t half = data ? reg >> 16 : reg & 0xFFFF;
        const unsigned entries = l2 ? half & 0xFFF : half & 0xFF;
        const unsigned code = l2 ? half >> 12 : half >> 8;
        if (!entries || !code) continue;
        const unsigned ways = l2 ? amd_l2_ways(code, entries) : (code == 0xFF ? entries : code);
        if (!ways || entries % ways) continue;
        const TlbUse use = data ? TlbUse::Data : TlbUse::Instruction;
        add(out, level_name(level, use), use, {entries, ways == entries ? 0 : ways, sizes});
    }
}

}  // namespace

void decode_leaf18(std::span<const CpuidRegs> sub, HostTlb& out) {
    unsigned found = 0;
    for (const CpuidRegs& r : sub) {
        const unsigned type = r.edx & 0x1F;  // 0 null, 1 data, 2 instruction, 3 unified, 4 load, 5 store
        if (type == 0) continue;
        const unsigned level = (r.edx >> 5) & 0x7;
        const bool full = (r.edx >> 8) & 1;
        const unsigned ways = r.ebx >> 16, sets = r.ecx;
        unsigned sizes = 0;
        if (r.ebx & 1) sizes |= SIZES_4K;
        if (r.ebx & 6) sizes |= SIZES_LARGE;  // bit 1: 2 MB, bit 2: 4 MB
        if (r.ebx & 8) sizes |= SIZES_1G;
        if (!ways || !sets || !sizes) continue;
        const TlbUse use = type == 2 ? TlbUse::Instruction : type == 3 ? TlbUse::Both : TlbUse::Data;
        if (type >= 4) out.notes.push_back(fmt::format("leaf 0x18: a {}-only TLB, counted as data", type == 4 ? "load" : "store"));
        add(out, level_name(level, use), use, {ways * sets, full ? 0 : ways, sizes});
        ++found;
    }
    out.notes.push_back(found ? fmt::format("leaf 0x18: {} TLB array(s)", found)
                              : "leaf 0x18: present but reports no TLB (all zeros: a hypervisor may hide it)");
}

void decode_leaf2(std::span<const std::uint8_t> desc, HostTlb& out) {
    unsigned found = 0;
    for (std::uint8_t d : desc) {
        if (d == 0) continue;
        if (d == 0xFF) {
            out.notes.push_back("leaf 2: descriptor 0xFF (the TLBs are in leaf 0x18)");
            continue;
        }
        const auto it = std::find_if(std::begin(DESCRIPTORS), std::end(DESCRIPTORS), [&](const Descriptor& x) { return x.code == d; });
        if (it == std::end(DESCRIPTORS)) continue;  // a cache descriptor, or a TLB not listed
        add(out, level_name(it->level, it->use), it->use, {it->entries, it->ways, it->sizes});
        if (d == 0x63) add(out, "L1d", TlbUse::Data, {4, 4, SIZES_1G});
        if (d == 0xC3) add(out, "L2", TlbUse::Both, {16, 4, SIZES_1G});
        ++found;
    }
    out.notes.push_back(found ? fmt::format("leaf 2: {} TLB descriptor(s)", found) : "leaf 2: no TLB descriptor");
}

void decode_amd(const CpuidRegs& l1, const CpuidRegs& l2, HostTlb& out) {
    const std::size_t before = out.geometry.levels.size();
    amd_pair(out, 1, l1.ebx, SIZES_4K, false);
    amd_pair(out, 1, l1.eax, SIZES_LARGE, false);
    amd_pair(out, 2, l2.ebx, SIZES_4K, true);
    amd_pair(out, 2, l2.eax, SIZES_LARGE, true);
    out.notes.push_back(out.geometry.levels.size() > before ? "leaves 0x80000005/6: L1 and L2 TLBs"
                                                            : "leaves 0x80000005/6: no TLB reported");
}

HostTlb host_tlb() {
    HostTlb out;
    out.geometry.name = "host (CPUID)";
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) {
        out.notes.push_back("CPUID leaf 0 is not available");
        return out;
    }
    const unsigned max = a;
    char v[13] = {};
    for (int i = 0; i < 4; ++i) {
        v[i] = static_cast<char>(b >> (8 * i));
        v[4 + i] = static_cast<char>(d >> (8 * i));
        v[8 + i] = static_cast<char>(c >> (8 * i));
    }
    out.vendor = v;
    out.geometry.source = fmt::format("CPUID of this {} CPU", out.vendor);
    if (out.vendor == "AuthenticAMD" || out.vendor == "HygonGenuine") {
        CpuidRegs l1, l2;
        if (__get_cpuid_max(0x80000000, nullptr) >= 0x80000006) {
            __get_cpuid(0x80000005, &l1.eax, &l1.ebx, &l1.ecx, &l1.edx);
            __get_cpuid(0x80000006, &l2.eax, &l2.ebx, &l2.ecx, &l2.edx);
            decode_amd(l1, l2, out);
        } else {
            out.notes.push_back("leaves 0x80000005/6 are not available");
        }
        return out;
    }
    if (max >= 0x18) {
        std::vector<CpuidRegs> sub(1);
        __cpuid_count(0x18, 0, sub[0].eax, sub[0].ebx, sub[0].ecx, sub[0].edx);
        for (unsigned i = 1; i <= std::min(sub[0].eax, 64u); ++i) {
            CpuidRegs r;
            __cpuid_count(0x18, i, r.eax, r.ebx, r.ecx, r.edx);
            sub.push_back(r);
        }
        decode_leaf18(sub, out);
    } else {
        out.notes.push_back(fmt::format("leaf 0x18: not available (highest leaf {:#x})", max));
    }
    if (out.geometry.levels.empty() && max >= 2) {
        CpuidRegs r;
        __cpuid(2, r.eax, r.ebx, r.ecx, r.edx);
        std::vector<std::uint8_t> desc;
        const std::uint32_t regs[] = {r.eax, r.ebx, r.ecx, r.edx};
        for (int k = 0; k < 4; ++k) {
            if (regs[k] >> 31) continue;  // bit 31 set: the register holds no descriptors
            for (int i = k == 0 ? 1 : 0; i < 4; ++i)  // AL is the iteration count, not a descriptor
                desc.push_back(static_cast<std::uint8_t>(regs[k] >> (8 * i)));
        }
        decode_leaf2(desc, out);
    }
#else
    out.notes.push_back("not an x86 CPU: no CPUID");
#endif
    return out;
}

}  // namespace vmtour
