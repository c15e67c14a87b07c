#include "stats.hpp"

#include "pagemap.hpp"
#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace vmtour {

namespace {

// Distinct values among `pfns` (zeros ignored): a bitmap over their range when it is dense enough,
// else a sort. 262144 frames spread over 24 GiB of RAM take a 768 KiB bitmap.
std::uint64_t count_distinct(std::vector<std::uint64_t> pfns) {
    std::erase(pfns, 0);
    if (pfns.empty()) return 0;
    const auto [lo_it, hi_it] = std::minmax_element(pfns.begin(), pfns.end());
    const std::uint64_t lo = *lo_it, span = *hi_it - lo + 1;
    if (span / 64 <= pfns.size() * 64) {
        std::vector<std::uint64_t> bits(static_cast<std::size_t>(span / 64 + 1), 0);
        std::uint64_t distinct = 0;
        for (std::uint64_t p : pfns) {
            std::uint64_t& word = bits[static_cast<std::size_t>((p - lo) / 64)];
            const std::uint64_t mask = std::uint64_t{1} << ((p - lo) % 64);
            distinct += (word & mask) == 0;
            word |= mask;
        }
        return distinct;
    }
    std::sort(pfns.begin(), pfns.end());
    return static_cast<std::uint64_t>(std::unique(pfns.begin(), pfns.end()) - pfns.begin());
}

}  // namespace

Stats summarize(std::span<const std::uint64_t> vas, std::span<const std::uint64_t> entries,
                std::span<const std::uint32_t> kflags) {
    Stats s;
    s.pages = entries.size();
    std::vector<std::uint64_t> pfns(entries.size(), 0);
    std::uint64_t run = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const PagemapEntry e{entries[i]};
        if (e.swapped()) ++s.swapped;
        if (!e.present()) {
            if (!e.swapped()) ++s.not_present;
            run = 0;
            continue;
        }
        ++s.present;
        if (e.pfn_hidden()) {
            ++s.hidden;
            run = 0;
            continue;
        }
        pfns[i] = e.pfn();
        const bool continues = run > 0 && pfns[i - 1] + 1 == pfns[i];
        if (!continues) ++s.runs;
        run = continues ? run + 1 : 1;
        s.longest_run = std::max(s.longest_run, run);
    }
    s.distinct_frames = count_distinct(std::move(pfns));

    if (kflags.size() != entries.size()) return s;
    for (std::size_t i = 0; i < kflags.size(); ++i) {
        const std::uint32_t f = kflags[i];
        s.zero_pages += (f & kZeroPage) != 0;
        s.thp_pages += (f & kThp) != 0;
        s.hugetlb_pages += (f & kHugetlb) != 0;
        const std::uint32_t kind = (f & kHugetlb) ? std::uint32_t{kHugetlb} : (f & kThp) ? std::uint32_t{kThp} : 0u;
        if (kind == 0 || (f & kZeroPage)) continue;
        HugeRange* last = s.huge_ranges.empty() ? nullptr : &s.huge_ranges.back();
        if (last && last->kind == kind && i > 0 && vas[i - 1] + PAGE_SIZE_4K == vas[i] &&
            last->va + last->pages * PAGE_SIZE_4K == vas[i])
            ++last->pages;
        else
            s.huge_ranges.push_back({vas[i], 1, kind});
    }
    return s;
}

std::vector<FrameLookup> lookups_every_frame(std::span<const std::uint64_t> entries) {
    std::vector<FrameLookup> out;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const PagemapEntry e{entries[i]};
        if (e.present() && !e.pfn_hidden()) out.push_back({i, 1});
    }
    return out;
}

std::vector<FrameLookup> lookups_for_summary(std::span<const std::uint64_t> vas,
                                             std::span<const std::uint64_t> entries) {
    constexpr std::uint64_t HUGE_BYTES = PAGES_PER_2M * PAGE_SIZE_4K;
    std::vector<FrameLookup> out;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const PagemapEntry e{entries[i]};
        if (!e.present() || e.pfn_hidden()) continue;
        if (vas[i] % HUGE_BYTES == 0 && e.pfn() % PAGES_PER_2M == 0 && i + PAGES_PER_2M <= entries.size()) {
            std::size_t j = 1;
            while (j < PAGES_PER_2M && vas[i + j] == vas[i] + j * PAGE_SIZE_4K &&
                   PagemapEntry{entries[i + j]}.present() && PagemapEntry{entries[i + j]}.pfn() == e.pfn() + j)
                ++j;
            if (j == PAGES_PER_2M) out.push_back({i, PAGES_PER_2M});
        }
        if (!e.bit(pagemap_abi::EXCLUSIVE)) out.push_back({i, 1});
    }
    return out;
}

std::vector<Moved> moved_frames(std::span<const std::uint64_t> vas, std::span<const std::uint64_t> before,
                                std::span<const std::uint64_t> after) {
    std::vector<Moved> out;
    for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
        const PagemapEntry b{before[i]}, a{after[i]};
        if (b.pfn() != a.pfn()) out.push_back({vas[i], b.pfn(), a.pfn()});
    }
    return out;
}

std::string human_size(std::uint64_t bytes) {
    static constexpr const char* UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    auto v = static_cast<double>(bytes);
    while (v >= 1024 && u + 1 < std::size(UNITS)) {
        v /= 1024;
        ++u;
    }
    if (u == 0) return fmt::format("{} B", bytes);
    return v == static_cast<double>(static_cast<std::uint64_t>(v)) ? fmt::format("{} {}", static_cast<std::uint64_t>(v), UNITS[u])
                                                                   : fmt::format("{:.1f} {}", v, UNITS[u]);
}

std::vector<Region> regions_of(std::span<const std::uint64_t> vas) {
    std::vector<std::uint64_t> sorted(vas.begin(), vas.end());
    if (!std::is_sorted(sorted.begin(), sorted.end())) std::sort(sorted.begin(), sorted.end());
    std::vector<Region> out;
    for (std::uint64_t va : sorted) {
        const std::uint64_t page = va & ~(PAGE_SIZE_4K - 1);
        if (!out.empty() && out.back().start + out.back().size >= page) {
            out.back().size = std::max(out.back().size, page + PAGE_SIZE_4K - out.back().start);
            continue;
        }
        out.push_back({page, PAGE_SIZE_4K, PAGE_SIZE_4K});
    }
    return out;
}

}  // namespace vmtour
