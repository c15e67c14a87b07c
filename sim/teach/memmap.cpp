#include "memmap.hpp"

#include "bits.hpp"
#include "parse.hpp"
#include "walk.hpp"

#include <fmt/format.h>
#include <set>
#include <utility>

namespace vmtour {

namespace {

char page_symbol(const Perms& p) { return !p.user ? 'X' : p.writable ? '*' : 'R'; }
char table_symbol(const Perms& p) { return !p.user ? 'x' : p.writable ? '+' : 'r'; }

Perms narrow(Perms p, std::uint64_t raw, const LevelDesc& d) {
    if (d.pdpte_pae) return p;
    p.user = p.user && bits::test(raw, bits::US);
    p.writable = p.writable && bits::test(raw, bits::RW);
    return p;
}

// Tables already searched without finding a page. Real page tables are a tree, but a machine file
// can point many entries at one empty table; remembering keeps the search linear in the tables.
using Searched = std::set<std::pair<std::uint64_t, unsigned>>;

// The effective permissions of the first present page below a table, if any (seed 002 looks at
// the first present PTE of each page table).
bool first_page(const Mmu& mmu, std::uint64_t table, unsigned level, Perms perms, Perms& out, Searched& empty) {
    if (empty.count({table, level})) return false;
    const Machine& m = mmu.machine();
    const PagingMode& mode = *m.mode;
    const LevelDesc& d = mode.level[level];
    for (std::uint64_t i = 0; i < d.entries(); ++i) {
        const std::uint64_t raw = m.mem.read_entry(table + i * mode.entry_size, mode.entry_size);
        if (!bits::test(raw, bits::P)) continue;
        const Perms p = narrow(perms, raw, d);
        if (mmu.is_leaf(level, raw)) {
            out = p;
            return true;
        }
        if (first_page(mmu, mmu.next_table(raw), level + 1, p, out, empty)) return true;
    }
    empty.insert({table, level});
    return false;
}

// Sign-extends a 64-bit mode's address from bit va_bits-1.
std::uint64_t canonical(const PagingMode& mode, std::uint64_t va) {
    if (!mode.canonical || !((va >> (mode.va_bits - 1)) & 1)) return va;
    return va | ~(mode.va_limit() - 1);
}

// The symbol for the entry at `level` covering `va`: walk down to it from CR3.
char cell_symbol(const Mmu& mmu, std::uint64_t va, unsigned level, Searched& empty) {
    const Machine& m = mmu.machine();
    const PagingMode& mode = *m.mode;
    std::uint64_t table = m.root();
    Perms perms;
    for (unsigned i = 0;; ++i) {
        const LevelDesc& d = mode.level[i];
        // The top level through the Mmu: PAE's PDPTEs are the registers loaded at the CR3 write.
        const std::uint64_t raw = i == 0 ? mmu.top_entry(d.index(va))
                                         : m.mem.read_entry(table + std::uint64_t{d.index(va)} * mode.entry_size, mode.entry_size);
        if (!bits::test(raw, bits::P)) return '.';
        perms = narrow(perms, raw, d);
        if (mmu.is_leaf(i, raw)) return page_symbol(perms);
        if (i == level) {
            Perms first;
            return first_page(mmu, mmu.next_table(raw), i + 1, perms, first, empty) ? table_symbol(first) : '.';
        }
        table = mmu.next_table(raw);
    }
}

// The entry at `level` covering `va`, when it is a present leaf (a large page): its frame and
// effective rights. Walks down from CR3 as cell_symbol does.
std::optional<MemoryMap::LargePage> large_page_at(const Mmu& mmu, std::uint64_t va, unsigned level) {
    const Machine& m = mmu.machine();
    const PagingMode& mode = *m.mode;
    std::uint64_t table = m.root();
    Perms perms;
    for (unsigned i = 0; i <= level; ++i) {
        const LevelDesc& d = mode.level[i];
        const std::uint64_t raw = m.mem.read_entry(table + std::uint64_t{d.index(va)} * mode.entry_size, mode.entry_size);
        if (!bits::test(raw, bits::P)) return std::nullopt;
        perms = narrow(perms, raw, d);
        if (mmu.is_leaf(i, raw)) {
            if (i != level) return std::nullopt;
            const Walk w = mmu.walk(va, Access{AccessType::Read, false});
            if (w.step_count <= i || w.steps[i].kind != StepKind::Leaf) return std::nullopt;
            return MemoryMap::LargePage{d.entry_span(), w.steps[i].next, perms.user, perms.writable};
        }
        table = mmu.next_table(raw);
    }
    return std::nullopt;
}

}  // namespace

MemoryMap memory_map(const Machine& m, std::span<const unsigned> zoom, std::string& error) {
    const PagingMode& mode = *m.mode;
    const Mmu mmu(m);
    if (const Walk* gp = mmu.cr3_fault()) {
        error = fmt::format("#GP: {}", describe(gp->fault, *gp, mode));
        return {};
    }
    // The default view: the top level, or PAE's page directories (its PDPT has only 4 entries).
    unsigned level = mode.top().bits < 4 ? 1 : 0;
    std::uint64_t base = 0;
    std::uint64_t span = mode.level[level].entry_span();
    std::uint64_t count = mode.va_limit() / span;
    std::string title = "the whole address space";
    for (std::size_t z = 0; z < zoom.size(); ++z) {
        const unsigned idx = zoom[z];
        if (idx >= count) {
            error = fmt::format("zoom index {} is out of range: the {} view has {} entries", idx,
                                mode.level[level].entry, count);
            return {};
        }
        if (level + 1 >= mode.level_count) {
            error = fmt::format("cannot zoom below the {}: its entries are 4 KB pages", mode.level[level].table);
            return {};
        }
        base += idx * span;
        title = fmt::format("{} {} ({:#x}..{:#x})", mode.level[level].entry, idx, canonical(mode, base),
                            canonical(mode, base) + span - 1);
        if (auto large = large_page_at(mmu, canonical(mode, base), level)) {
            if (z + 1 < zoom.size()) {
                error = fmt::format("{} {} maps a {} page: no entries below it to zoom into",
                                    mode.level[level].entry, idx, format_size(large->size));
                return {};
            }
            MemoryMap map{level, canonical(mode, base), span, {}, title, {}};
            map.large = large;
            return map;
        }
        ++level;
        span = mode.level[level].entry_span();
        count = mode.level[level].entries();
    }
    MemoryMap map{level, canonical(mode, base), span, {}, title, {}};
    map.cells.reserve(count);
    Searched empty;
    for (std::uint64_t i = 0; i < count; ++i)
        map.cells += cell_symbol(mmu, canonical(mode, base + i * span), level, empty);
    return map;
}

}  // namespace vmtour
