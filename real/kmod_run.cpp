#include "kmod_run.hpp"

#include "error.hpp"
#include "experiment.hpp"
#include "kmod_client.hpp"
#include "output.hpp"
#include "pagemap.hpp"
#include "snapshot_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <numeric>
#include <unistd.h>

namespace vmtour {

namespace {

// A snapshot is taken again when the module says the tables changed under it (EAGAIN), or when
// two snapshots of one buffer disagree.
constexpr int ATTEMPTS = 3;

using Clock = std::chrono::steady_clock;

std::string snapshot_command(const VaRange& r) { return fmt::format("snapshot {:#x} {:#x}", r.start, r.end); }

// `command` (a snapshot of this process from `start`), sent until the tables hold still.
SnapshotText take_snapshot(const ModuleClient& m, const std::string& command, std::uint64_t start) {
    for (int attempt = 0; attempt < ATTEMPTS; ++attempt) {
        auto reply = m.exchange(command);
        if (reply.err == EAGAIN) continue;
        if (reply.err != 0)
            throw RealError(fmt::format("{} refused '{}': {} ({})", m.path(), command, errno_text(reply.err),
                                        module_errno_text(reply.err)));
        auto parsed = parse_snapshot(reply.answer);
        if (!parsed) throw RealError(fmt::format("the answer to '{}' is not a snapshot: {}", command, parsed.error));
        // The answer is read on the descriptor the command was written to, so it is this one's;
        // anything else is a module out of step with this vmreal.
        if (parsed.value.pid != static_cast<std::uint64_t>(::getpid()) || parsed.value.range.start != start)
            throw RealError(fmt::format("the answer to '{}' is a snapshot of pid {} from {:#x}: is the module older "
                                        "than this vmreal?",
                                        command, parsed.value.pid ? fmt::to_string(*parsed.value.pid) : "?",
                                        parsed.value.range.start));
        return std::move(parsed.value);
    }
    throw RealError(fmt::format("'{}' failed {} times: {}", command, ATTEMPTS, module_errno_text(EAGAIN)));
}

// Page indices of the experiment in ascending VA order.
std::vector<std::size_t> pages_by_va(const std::vector<std::uint64_t>& vas) {
    std::vector<std::size_t> order(vas.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return vas[a] < vas[b]; });
    return order;
}

struct PagemapLines {
    std::vector<std::string> lines;
    std::size_t moved = 0;  // pages whose frame differs from the report's read
};

// `expect VA PA pagemap` for the pages `idx` (where pagemap gives a frame), read now.
void add_pagemap_lines(const Experiment& ex, std::span<const std::size_t> idx, EntryFile& pagemap, PagemapLines& out) {
    std::vector<std::uint64_t> vpns(idx.size()), raw(idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k) vpns[k] = ex.vas[idx[k]] >> PAGE_SHIFT_4K;
    pagemap.read_many(vpns, raw, SNAPSHOT_MAX_GAP / PAGE_SIZE_4K);
    for (std::size_t k = 0; k < idx.size(); ++k) {
        const PagemapEntry e{raw[k]};
        if (!e.present() || e.pfn_hidden()) continue;
        const std::uint64_t va = ex.vas[idx[k]];
        out.lines.push_back(expect_line(va, (e.pfn() << PAGE_SHIFT_4K) | (va & (PAGE_SIZE_4K - 1)), "pagemap"));
        out.moved += e.pfn() != PagemapEntry{ex.entries[idx[k]]}.pfn();
    }
}

std::size_t count_lines(const std::string& text, std::string_view start, std::string_view end = "") {
    std::size_t n = 0, at = 0;
    while (at < text.size()) {
        const std::size_t nl = std::min(text.find('\n', at), text.size());
        const std::string_view line(text.data() + at, nl - at);
        n += line.rfind(start, 0) == 0 && line.size() >= end.size() &&
             line.compare(line.size() - end.size(), end.size(), end) == 0;
        at = nl + 1;
    }
    return n;
}

// One attempt of snapshot_experiment: every range, then the merge (which may fail).
Parsed<std::string> snapshot_once(const Experiment& ex, const ModuleClient& module,
                                  const std::vector<VaRange>& ranges, PagemapLines& pm, EntryFile& pagemap) {
    const auto order = pages_by_va(ex.vas);
    std::vector<SnapshotText> parts;
    std::size_t next = 0;
    pm = {};
    for (const VaRange& r : ranges) {
        parts.push_back(take_snapshot(module, snapshot_command(r), r.start));
        std::size_t end = next;
        while (end < order.size() && ex.vas[order[end]] < r.end) ++end;
        add_pagemap_lines(ex, std::span(order).subspan(next, end - next), pagemap, pm);
        next = end;
    }
    const std::string title = fmt::format(
        "vmreal -b {} -m {}: {} page(s) in {} snapshot(s) of at most {} merged; expect lines: kwalk (the "
        "module's walk), pagemap (/proc/self/pagemap read right after each snapshot)",
        ex.config.block_word, format_size(ex.config.alloc.size), ex.vas.size(), ranges.size(),
        format_size(SNAPSHOT_MAX_BYTES));
    return merge_snapshots(parts, pm.lines, title);
}

}  // namespace

void snapshot_experiment(Experiment& ex, const ModuleClient& module, OutputFile& out) {
    const auto t = Clock::now();
    const auto ranges = plan_snapshots(ex.vas);
    std::string error;
    int err = 0;
    EntryFile pagemap = EntryFile::open("/proc/self/pagemap", error, err);
    if (!pagemap.is_open()) throw RealError(error);
    PagemapLines pm;
    Parsed<std::string> merged;
    for (int attempt = 0; attempt < ATTEMPTS; ++attempt) {
        merged = snapshot_once(ex, module, ranges, pm, pagemap);
        if (merged) break;
    }
    if (!merged) throw RealError(fmt::format("the snapshots cannot be merged after {} attempts: {}", ATTEMPTS, merged.error));
    out.write(merged.value);
    ex.snapshot_note = fmt::format(
        "{} snapshot{} ({} tables): {} kwalk and {} pagemap expect lines{}, {:.1f} ms", ranges.size(),
        ranges.size() == 1 ? "" : "s", count_lines(merged.value, "table "), count_lines(merged.value, "expect ", " kwalk"),
        pm.lines.size(),
        pm.moved ? fmt::format("; {} page(s) changed frame after the report's read (the snapshot has the newer)", pm.moved)
                 : "",
        std::chrono::duration<double, std::milli>(Clock::now() - t).count());
}

namespace {

void write_kernel_report(const Config& c, const std::string& answer, const std::vector<KernelPage>& pages,
                         OutputFile& report) {
    if (c.format == ReportFormat::Text) {
        report.write(answer);
        return;
    }
    ReportWriter w(c.format, false, [&](std::string_view chunk) { report.write(chunk); });
    w.begin({c.kernel, pages.size() * PAGE_SIZE_4K, "write"});
    for (const KernelPage& p : pages) w.add(PageRecord{.va = p.va, .pa = p.pa});
    w.end();
}

// The module's "# vmalloc: 256 pages, the module's walk agrees on 256; range A B" line, if any.
std::string module_count_line(const std::string& answer, const std::string& which) {
    const std::string prefix = "# " + which + ":";
    const auto at = answer.find(prefix);
    if (at == std::string::npos) return "";
    return answer.substr(at + 2, answer.find('\n', at) - at - 2);
}

}  // namespace

std::string run_kernel_allocation(const Config& c, const ModuleClient& module, OutputFile& report,
                                  OutputFile* snapshot) {
    const std::string label = c.kernel == "vmalloc" ? "Vmalloc" : "Kmalloc";
    const std::string answer = module.ask(c.kernel);
    const auto pages = parse_kernel_pages(answer, label);
    if (!pages) throw RealError(fmt::format("the answer to '{}' is not what ko5204 writes: {}", c.kernel, pages.error));
    write_kernel_report(c, answer, pages.value, report);
    std::string note = fmt::format("vmreal: --kernel {}: {}", c.kernel, module_count_line(answer, c.kernel));
    if (snapshot) {
        const std::string command = "snapshot " + c.kernel;
        const SnapshotText part = take_snapshot(module, command, pages.value.front().va & ~(PAGE_SIZE_4K - 1));
        const std::string title = fmt::format("vmreal --kernel {}: the module's '{}'; expect lines: {} (the kernel's "
                                              "own translation), kwalk (the module's walk)",
                                              c.kernel, command, c.kernel);
        const auto merged = merge_snapshots(std::span(&part, 1), {}, title);
        if (!merged) throw RealError(fmt::format("the answer to '{}': {}", command, merged.error));
        snapshot->write(merged.value);
        note += fmt::format("; snapshot: {} tables, {} expect lines", count_lines(merged.value, "table "),
                            count_lines(merged.value, "expect "));
    }
    return note;
}

}  // namespace vmtour
