#include "cost.hpp"

#include "bits.hpp"

#include <algorithm>

namespace vmtour {

namespace {

struct Span {
    std::uint64_t first, last;  // inclusive numbers of 4 KB pages (or of tables)
};

// Sorts and merges inclusive ranges; returns how many numbers they cover.
std::uint64_t covered(std::vector<Span>& spans) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
    std::uint64_t count = 0;
    std::uint64_t end = 0;  // one past the last number counted
    bool any = false;
    for (const Span& s : spans) {
        const std::uint64_t from = any ? std::max(s.first, end) : s.first;
        if (from <= s.last) count += s.last - from + 1;
        if (!any || s.last + 1 > end) end = s.last + 1;
        any = true;
    }
    return count;
}

std::vector<Span> page_spans(std::span<const Region> regions) {
    std::vector<Span> pages;
    pages.reserve(regions.size());
    for (const Region& r : regions) {
        const std::uint64_t first = r.start >> bits::PAGE_SHIFT;
        const std::uint64_t size = std::max<std::uint64_t>(r.size, 1);
        const std::uint64_t last_byte = r.start + (size - 1) < r.start ? ~std::uint64_t{0} : r.start + size - 1;
        pages.push_back({first, last_byte >> bits::PAGE_SHIFT});
    }
    return pages;
}

}  // namespace

std::vector<Region> merge_regions(std::vector<Region> regions) {
    std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) {
        return a.page_size != b.page_size ? a.page_size < b.page_size : a.start < b.start;
    });
    std::vector<Region> out;
    for (Region r : regions) {
        r.size = std::max<std::uint64_t>(r.size, 1);
        if (!out.empty() && out.back().page_size == r.page_size && r.start <= out.back().start + out.back().size) {
            Region& last = out.back();
            const std::uint64_t end = std::max(last.start + last.size, r.start + r.size);
            last.size = end - last.start;
            continue;
        }
        out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const Region& a, const Region& b) { return a.start < b.start; });
    return out;
}

bool has_page_size(const PagingMode& mode, std::uint64_t page_size) {
    for (const LevelDesc& d : mode.levels())
        if (d.entry_span() == page_size && (d.large_leaf || &d == &mode.bottom())) return true;
    return false;
}

bool fits(const PagingMode& mode, std::span<const Region> regions) {
    for (const Region& r : regions) {
        const std::uint64_t last = r.start + std::max<std::uint64_t>(r.size, 1) - 1;
        if (last < r.start || !mode.is_canonical(r.start) || !mode.is_canonical(last)) return false;
        // A canonical range must not straddle the hole between the two halves.
        if (mode.canonical && (r.start >> 63) != (last >> 63)) return false;
    }
    return true;
}

ModeCost table_cost(const PagingMode& mode, std::span<const Region> regions) {
    ModeCost cost{&mode, 0, {}, 0, mode.flat_table_bytes()};
    std::vector<Span> pages = page_spans(regions);
    // Virtual page numbers are truncated to the mode's width, so the upper half of a 64-bit space
    // follows the lower half the way the top-level index sees it.
    const unsigned vpn_bits = mode.va_bits - bits::PAGE_SHIFT;
    const std::uint64_t vpn_mask = (std::uint64_t{1} << vpn_bits) - 1;
    for (Span& s : pages) {
        s.first &= vpn_mask;
        s.last &= vpn_mask;
    }
    std::vector<Span> all = pages;  // covered() sorts; pages[i] stays regions[i]'s
    cost.pages = covered(all);
    for (unsigned lvl = 0; lvl < mode.level_count; ++lvl) {
        // A level-lvl table covers 2^(shift+bits) bytes: pages sharing (vpn >> that) share it.
        const unsigned table_shift = mode.level[lvl].shift + mode.level[lvl].bits - bits::PAGE_SHIFT;
        std::vector<Span> tables;
        tables.reserve(pages.size());
        for (std::size_t i = 0; i < pages.size(); ++i) {
            // A region of large pages has its leaves at the level whose entries are that size:
            // no table below it.
            if (mode.level[lvl].entry_span() * mode.level[lvl].entries() <= regions[i].page_size) continue;
            const Span& s = pages[i];
            tables.push_back({table_shift >= 64 ? 0 : s.first >> table_shift, table_shift >= 64 ? 0 : s.last >> table_shift});
        }
        const std::uint64_t n = regions.empty() ? (lvl == 0 ? 1 : 0) : covered(tables);
        const std::uint64_t bytes = n * mode.table_bytes(lvl);
        cost.levels.push_back({lvl, n, bytes});
        cost.total_bytes += bytes;
    }
    return cost;
}

}  // namespace vmtour
