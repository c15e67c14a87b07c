#include "experiment.hpp"

#include "error.hpp"
#include "fork.hpp"
#include "output.hpp"
#include "pagemap.hpp"
#include "procfs.hpp"
#include "stats.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>

namespace vmtour {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

constexpr const char* PAGEMAP = "/proc/self/pagemap";
constexpr const char* KPAGEFLAGS = "/proc/kpageflags";

// Holes between keys that a pagemap pread may cover: cheap (the kernel walks page tables it has
// to walk anyway), and -b 4K --allocator libc leaves a one-page hole between blocks.
constexpr std::uint64_t PAGEMAP_MAX_GAP = 64;
// kpageflags does real work per frame, so its windows only bridge tiny holes.
constexpr std::uint64_t KPAGEFLAGS_MAX_GAP = 4;

void check_memory(const Config& c) {
    const auto available = mem_available_bytes();
    if (!available) return;  // no /proc/meminfo: let mmap decide
    const std::uint64_t need = c.alloc.size * (c.alloc.allocator == Allocator::Libc ? 2 : 1);
    if (need > *available)
        throw RealError(fmt::format("-m {}: more than the memory available now ({}, MemAvailable in /proc/meminfo){}",
                                    format_size(c.alloc.size), human_size(*available),
                                    need > c.alloc.size ? "; --allocator libc needs about twice -m" : ""),
                        EXIT_USAGE);
}

void read_pagemap(Experiment& ex, EntryFile& pagemap, std::vector<std::uint64_t>& out) {
    out.resize(ex.vas.size());
    if (ex.alloc->one_block()) {
        pagemap.read(ex.vas.front() >> PAGE_SHIFT_4K, out);
    } else {
        std::vector<std::uint64_t> vpns(ex.vas.size());
        for (std::size_t i = 0; i < vpns.size(); ++i) vpns[i] = ex.vas[i] >> PAGE_SHIFT_4K;
        pagemap.read_many(vpns, out, PAGEMAP_MAX_GAP);
    }
}

// Looks up frames in /proc/kpageflags (root only): every frame with --flags, else the few that
// decide the summary (stats.hpp). Not being able to is not an error: the summary says so.
void read_kpageflags(Experiment& ex) {
    const auto lookups = ex.config.flags ? lookups_every_frame(ex.entries) : lookups_for_summary(ex.vas, ex.entries);
    ex.kflags.clear();
    std::string error;
    int err = 0;
    EntryFile kpf = EntryFile::open(KPAGEFLAGS, error, err);
    if (!kpf.is_open()) {
        ex.kpageflags_note = error + (err == EACCES || err == EPERM ? " (root only)" : "");
        return;
    }
    std::vector<std::uint64_t> pfns(lookups.size()), raw(lookups.size());
    for (std::size_t j = 0; j < lookups.size(); ++j) pfns[j] = PagemapEntry{ex.entries[lookups[j].page]}.pfn();
    kpf.read_many(pfns, raw, KPAGEFLAGS_MAX_GAP);
    ex.kpageflags_preads = kpf.preads();
    ex.kpageflags_lookups = lookups.size();
    ex.kflags.assign(ex.entries.size(), 0);
    for (std::size_t j = 0; j < raw.size(); ++j) {
        const std::uint32_t kinds = kpageflags_to_flags(raw[j]);
        for (std::size_t k = 0; k < lookups[j].span; ++k) ex.kflags[lookups[j].page + k] |= kinds;
    }
}

}  // namespace

Experiment run_experiment(const Config& config) {
    Experiment ex;
    ex.config = config;
    ex.cap_sys_admin = has_cap_sys_admin();

    // Everything that can fail for a reason outside the allocation fails before it.
    std::string error;
    int err = 0;
    EntryFile pagemap = EntryFile::open(PAGEMAP, error, err);
    if (!pagemap.is_open())
        throw RealError(error + (err == ENOENT ? " (is /proc mounted? vmreal needs Linux's /proc/self/pagemap)" : ""));
    check_memory(config);

    // Bookkeeping first (pointer array, entry arrays, written so their page tables exist), then
    // VmPTE, then the memory: the VmPTE difference is the allocation's page tables.
    ex.alloc = make_allocation(config.alloc);
    const std::size_t n = ex.alloc->page_count();
    ex.vas.assign(n, 0);
    ex.entries.assign(n, 0);
    if (config.reread) ex.reread.assign(n, 0);
    ex.pte_before_kib = vm_pte_kib();
    auto t = Clock::now();
    ex.alloc->acquire();
    ex.alloc->touch(config.touch);
    ex.ms_touch = ms_since(t);
    ex.pte_after_kib = vm_pte_kib();

    for (std::size_t i = 0; i < n; ++i) ex.vas[i] = ex.alloc->page_va(i);
    t = Clock::now();
    read_pagemap(ex, pagemap, ex.entries);
    ex.ms_pagemap = ms_since(t);
    for (std::uint64_t raw : ex.entries) ex.pfn_hidden = ex.pfn_hidden || PagemapEntry{raw}.pfn_hidden();
    t = Clock::now();
    if (ex.pfn_hidden) ex.kpageflags_note = "frame numbers hidden";
    else read_kpageflags(ex);
    ex.ms_kpageflags = ms_since(t);
    if (config.reread) {
        t = Clock::now();
        read_pagemap(ex, pagemap, ex.reread);
        ex.ms_pagemap += ms_since(t);
    }
    ex.pagemap_preads = pagemap.preads();
    if (config.fork) run_fork(ex);
    return ex;
}

PageRecord record_of(const Experiment& ex, std::size_t i) { return record_of(ex, ex.entries, i); }

PageRecord record_of(const Experiment& ex, const std::vector<std::uint64_t>& entries, std::size_t i) {
    PageRecord r;
    r.va = ex.vas[i];
    const PagemapEntry e{entries[i]};
    if (e.present()) {
        if (e.pfn_hidden()) r.status = PaStatus::Hidden;
        else r.pa = (e.pfn() << PAGE_SHIFT_4K) | (r.va & (PAGE_SIZE_4K - 1));
    } else {
        r.status = e.swapped() ? PaStatus::Swapped : PaStatus::NotPresent;
    }
    if (ex.config.flags) {
        r.has_flags = true;
        // kpageflags were read for the parent's frames (ex.entries) only.
        r.flags = e.flags() | (ex.kflags.empty() || &entries != &ex.entries ? 0 : ex.kflags[i]);
        r.pagemap = e.raw;
        r.swap_type = e.swap_type();
        r.swap_offset = e.swap_offset();
    }
    return r;
}

void write_report_to(Experiment& ex, OutputFile& out) {
    const auto t = Clock::now();
    ReportWriter w(ex.config.format, ex.config.flags, [&](std::string_view chunk) { out.write(chunk); });
    w.begin({ex.config.block_word, ex.config.alloc.size, touch_name(ex.config.touch)});
    if (ex.child.empty()) {
        for (std::size_t i = 0; i < ex.vas.size(); ++i) w.add(record_of(ex, i));
    } else {
        // --fork (text only): the four views, each line with its label (the reader takes "Label:").
        const std::pair<const char*, const std::vector<std::uint64_t>*> views[] = {
            {"parent: ", &ex.entries}, {"child: ", &ex.child}, {"child-wrote: ", &ex.child_wrote},
            {"parent-now: ", &ex.parent_now}};
        for (const auto& [label, entries] : views)
            for (std::size_t i = 0; i < ex.vas.size(); ++i) {
                w.raw(label);
                w.add(record_of(ex, *entries, i));
            }
    }
    w.end();
    ex.ms_write = ms_since(t);
}

std::string hidden_message(const Experiment& ex) {
    const std::string why =
        ex.cap_sys_admin.value_or(false)
            ? "this process has CAP_SYS_ADMIN, but not in the initial user namespace (a container?), and "
              "pagemap shows frame numbers only to CAP_SYS_ADMIN there; run vmreal as root on the host"
            : "pagemap shows frame numbers only to a process with CAP_SYS_ADMIN; run vmreal as root "
              "(sudo vmreal ...)";
    return "the kernel hid the physical addresses (every frame number read 0): " + why +
           ". The lines say PA=unknown instead of an address (exit code 3)";
}

}  // namespace vmtour
