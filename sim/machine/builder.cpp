#include "builder.hpp"

#include "bits.hpp"
#include "parse.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

using bits::bit;

PageTableBuilder::PageTableBuilder(Machine& m, FrameAllocator& frames) : m_(m), frames_(frames) {
    if (m_.ctl.cr3 == 0) {
        std::uint64_t root = 0;
        root_error_ = new_table(true, root);
        m_.ctl.cr3 = root;
    }
}

// Where a table may lie: an entry holds table addresses below 2^32 in 32-bit paging and below
// 2^MAXPHYADDR otherwise, and CR3 holds 32 bits in both 32-bit modes (SDM tables 4-3, 4-7).
std::string PageTableBuilder::new_table(bool top, std::uint64_t& pa) {
    const bool narrow = m_.mode->entry_size == 4 || (top && !m_.mode->canonical);
    const unsigned width = narrow ? 32 : m_.maxphyaddr();
    const std::uint64_t limit = bit(width);
    if (auto next = frames_.allocate(limit)) {
        pa = *next;
        return {};
    }
    return fmt::format("no room for another page table: the next frame, {:#x}, is not below {:#x} "
                       "(the {} physical address bits {} can hold; see 'alloc')",
                       frames_.next(), limit, width, top ? "CR3" : "an entry");
}

std::string PageTableBuilder::write(std::uint64_t addr, std::uint64_t entry) {
    if (m_.mem.write_entry(addr, m_.mode->entry_size, entry)) return {};
    return fmt::format("physical memory is full: at most {} pages of 4 KB can be written "
                       "(docs/machine-format.md, \"Limits\")", m_.mem.max_frames());
}

const Mmu& PageTableBuilder::rules() {
    if (!rules_ || rules_mode_ != m_.mode || rules_pse_ != m_.ctl.cr4_pse || rules_maxphy_ != m_.maxphyaddr()) {
        rules_.emplace(m_);
        rules_mode_ = m_.mode;
        rules_pse_ = m_.ctl.cr4_pse;
        rules_maxphy_ = m_.maxphyaddr();
    }
    return *rules_;
}

std::string PageTableBuilder::map(const MapRequest& r) {
    if (!root_error_.empty()) return root_error_;
    const PagingMode& mode = *m_.mode;
    const Mmu& mmu = rules();
    // The level whose entries are pages of this size.
    int leaf_level = -1;
    for (unsigned i = 0; i < mode.level_count; ++i)
        if (mmu.leaf_allowed(i) && mode.level[i].entry_span() == r.page_size) leaf_level = static_cast<int>(i);
    if (leaf_level < 0)
        return fmt::format("{} has no {}-byte pages{}", mode.title, r.page_size,
                           mode.level[0].needs_pse && !m_.ctl.cr4_pse ? " (CR4.PSE is 0)" : "");
    if (mode.entry_size == 4 && (r.flags >> 32)) return "32-bit paging has 4-byte entries and no XD bit";
    if (r.size == 0 || r.size % r.page_size) return fmt::format("size {:#x} is not a multiple of the page size", r.size);
    if (r.va % r.page_size || r.pa % r.page_size)
        return fmt::format("VA {:#x} and PA {:#x} must be aligned to the page size {:#x}", r.va, r.pa, r.page_size);
    if (r.va + r.size - 1 < r.va || !mode.is_canonical(r.va) || !mode.is_canonical(r.va + r.size - 1))
        return fmt::format("{:#x}..{:#x} is outside the {}-bit address space or not canonical", r.va,
                           r.va + r.size - 1, mode.va_bits);
    // A 4 KB PTE of 32-bit paging holds 32 physical bits; its 4 MB PDE holds up to 40 (PSE-36).
    const unsigned max_pa_bits = mode.entry_size == 4 ? (r.page_size > 4096 ? std::min(m_.maxphyaddr(), 40u) : 32)
                                                      : m_.maxphyaddr();
    if (r.pa + r.size - 1 < r.pa)
        return fmt::format("PA {:#x} + size {:#x} wraps around the end of the address space", r.pa, r.size);
    if ((r.pa + r.size - 1) >> max_pa_bits)
        return fmt::format("PA {:#x}..{:#x} does not fit in {} physical address bits", r.pa, r.pa + r.size - 1, max_pa_bits);
    for (std::uint64_t off = 0; off < r.size; off += r.page_size)
        if (auto err = map_page(mmu, r.va + off, r.pa + off, static_cast<unsigned>(leaf_level), r.flags); !err.empty())
            return err;
    return {};
}

std::string PageTableBuilder::map_page(const Mmu& mmu, std::uint64_t va, std::uint64_t pa, unsigned leaf_level,
                                       std::uint64_t flags) {
    const PagingMode& mode = *m_.mode;
    const unsigned esize = mode.entry_size;
    std::uint64_t table = m_.root();
    for (unsigned i = 0; i < leaf_level; ++i) {
        const LevelDesc& d = mode.level[i];
        const std::uint64_t addr = table + std::uint64_t{d.index(va)} * esize;
        std::uint64_t e = m_.mem.read_entry(addr, esize);
        if (!bits::test(e, bits::P)) {
            // Upper levels grant everything (P, R/W, U/S; only P in a PAE PDPTE): the leaf decides.
            std::uint64_t next = 0;
            if (auto err = new_table(false, next); !err.empty()) return err;
            e = next | bit(bits::P) | (d.pdpte_pae ? 0 : bit(bits::RW) | bit(bits::US));
            if (auto err = write(addr, e); !err.empty()) return err;
        } else if (mmu.is_leaf(i, e)) {
            return fmt::format("{:#x} is already mapped by a large page in the {}", va, d.entry);
        }
        table = mmu.next_table(e);
    }
    const LevelDesc& leaf = mode.level[leaf_level];
    const std::uint64_t addr = table + std::uint64_t{leaf.index(va)} * esize;
    if (bits::test(m_.mem.read_entry(addr, esize), bits::P))
        return fmt::format("{:#x} is already mapped (the {} at {:#x} is present)", va, leaf.entry, addr);

    std::uint64_t e = flags | bit(bits::P);
    const bool large = leaf_level + 1 < mode.level_count;
    if (large) {
        // In a large leaf, PAT moves from bit 7 to bit 12 and bit 7 becomes PS.
        if (bits::test(flags, bits::PAT_4K)) e = (e & ~bit(bits::PAT_4K)) | bit(bits::PAT_LARGE);
        e |= bit(bits::PS);
        if (leaf.pse36) e |= ((pa >> bits::PSE36_PA_SHIFT) << bits::PSE36_LOW) | (pa & bits::range(31, leaf.shift));
        else e |= pa;
    } else {
        e |= pa;
    }
    return write(addr, e);
}

std::string parse_flags(std::string_view text, std::uint64_t& out) {
    out = 0;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view name = text.substr(0, comma);
        if (name == "ps") return "flag 'ps' is set by the page size: use page=2M, 4M or 1G";
        bool found = false;
        for (const auto& f : bits::FLAG_NAMES)
            if (f.name == name) {
                out |= bit(f.bit);
                found = true;
            }
        if (!found) {
            std::string known;
            for (const auto& f : bits::FLAG_NAMES) known += fmt::format("{}{}", known.empty() ? "" : " ", f.name);
            return fmt::format("unknown flag '{}' (known: {})", quote(name), known);
        }
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return {};
}

std::string flag_labels(std::uint64_t raw, bool ps_level, bool large, bool has_xd) {
    std::string out;
    auto add = [&](std::string_view label) { out += out.empty() ? std::string(label) : fmt::format(" {}", label); };
    for (const auto& f : bits::FLAG_NAMES) {
        if (f.name == "ps" && !ps_level) continue;              // bit 7 is PAT in a PTE ...
        if (f.name == "pat" && ps_level) continue;               // ... and PS above it
        if (f.bit == bits::XD && !has_xd) continue;
        if (bits::test(raw, f.bit)) add(f.label);
    }
    if (large && bits::test(raw, bits::PAT_LARGE)) add("PAT");
    return out;
}

}  // namespace vmtour

namespace vmtour {

std::vector<unsigned> entry_flags(std::uint64_t raw, const EntryKind& k) {
    using namespace bits;
    std::vector<unsigned> meaningful{P};
    if (k.pdpte_pae) meaningful.insert(meaningful.end(), {PWT, PCD});  // SDM table 4-8
    else meaningful.insert(meaningful.end(), {RW, US, PWT, PCD, A});
    if (k.leaf) {
        meaningful.push_back(D);
        if (k.large) meaningful.push_back(PS);
        meaningful.insert(meaningful.end(), {G, k.large ? PAT_LARGE : PAT_4K});
    }
    if (k.has_xd) meaningful.push_back(XD);
    std::vector<unsigned> set;
    for (unsigned b : meaningful)
        if (test(raw, b)) set.push_back(b);
    return set;
}

std::string entry_labels(std::uint64_t raw, const EntryKind& k) {
    using namespace bits;
    std::string out;
    auto add = [&](std::string_view label) { out += out.empty() ? std::string(label) : fmt::format(" {}", label); };
    auto avl = [&](unsigned b) {
        if (test(raw, b)) add(fmt::format("AVL{}", b));
    };
    for (unsigned b : entry_flags(raw, k)) {
        if (b == XD) continue;  // after the ignored bits, below: the entry's bit order
        if (b == PAT_LARGE || (b == PAT_4K && !k.large)) add("PAT");  // bit 7 is PAT in a PTE, PS above
        else
            for (const auto& f : FLAG_NAMES)
                if (f.bit == b) {
                    add(f.label);
                    break;
                }
    }
    if (!k.leaf && !k.pdpte_pae) {
        avl(D);
        if (k.ps_ignored) avl(PS);
        avl(G);
    }
    for (unsigned b = AVL_LOW; b <= AVL_HIGH; ++b) avl(b);
    if (k.avl_high)
        for (unsigned b = AVL64_LOW; b <= AVL64_HIGH; ++b) avl(b);
    if (k.has_xd && test(raw, XD)) add("XD");
    return out;
}

}  // namespace vmtour
