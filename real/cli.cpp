#include "cli.hpp"

#include "error.hpp"
#include "experiment.hpp"
#include "kmod_client.hpp"
#include "kmod_run.hpp"
#include "output.hpp"
#include "svg.hpp"
#include "svg_doc.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <optional>
#include <system_error>

namespace vmtour {

namespace {

constexpr const char* FOOTER = R"(
Each page is touched, then translated through /proc/self/pagemap. One line
per page:
  VA=0x<virtual address> -> PA=0x<physical address>
PA is the frame the kernel mapped the page to, plus the VA's offset in the
page. Without a frame it says why: PA=unknown (the kernel hid it, see below),
PA=none (not present), PA=swapped. --flags adds the decoded pagemap bits
(present, exclusive, soft-dirty, ...) and, as root, what /proc/kpageflags says
of the frame (thp, hugetlb, zero-page).

Why root: since Linux 4.2 pagemap shows frame numbers only to a process with
CAP_SYS_ADMIN, and /proc/kpageflags is readable by root only. Without it
vmreal still runs, prints PA=unknown, says so and exits with 3.

A summary goes to stderr: pages, present, distinct frames, physically
contiguous runs, huge page ranges, the kernel's page-table memory (VmPTE)
before and after, and what vmsim's cost model predicts for the same addresses.

With the kernel module ko5204 loaded (/proc/pagetable; kmod/README.md), one
run gives three answers for every page. --snapshot FILE asks the module for
the page tables of the buffer (one snapshot per 16 MiB) and writes them as one
machine file with an "expect VA PA" line per page from pagemap and from the
module's own walk: `vmsim check FILE` replays them all. --kernel
vmalloc|kmalloc has the module allocate 1 MiB and print where its pages are.

Exit codes: 0 done; 1 the system refused (mmap, mlock, /proc,
the module missing); 2 bad options or input; 3 done, but the kernel hid the
physical addresses (no CAP_SYS_ADMIN).

Examples:
  sudo vmreal -b 4K -m 64M -o out_4k.txt
  sudo vmreal -b 1G -m 64M --thp on --flags
  sudo vmreal -b 1G -m 16M --touch read --flags  # zero page (huge with THP)
  sudo vmreal -b 1G -m 8M --thp on -o pages.txt --snapshot pages.machine
  vmsim check pages.machine
  sudo vmreal --kernel vmalloc --snapshot vmalloc.machine)";

// -o "" is a mistake (an unset variable in a script), not a request for stdout.
const CLI::Validator NOT_EMPTY(
    [](const std::string& s) { return s.empty() ? std::string("an empty name is not a file (use - for stdout)") : std::string(); },
    "", "not empty");

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

void setup_vmreal(CLI::App& app, Options& o) {
    app.description(
        "vmreal: allocate memory, touch every page, and print where each virtual page really lives "
        "in physical memory, read from the running kernel.");
    app.footer(FOOTER);
    app.set_version_flag("--version", "vmreal " VMTOUR_VERSION " (report format 1)");
    app.add_option("-b,--block", o.block,
                   "How to allocate. 4K: one separate page-sized, page-aligned block per page, each its own "
                   "allocation, held in a pointer array. 1G: one contiguous block of SIZE bytes (the name is "
                   "historical: the size is -m)")
        ->option_text("4K|1G");
    app.add_option("-m,--memory", o.memory, "Total to allocate: 4096, 64M, 1G (K, M, G are powers of 1024)")
        ->option_text("SIZE");
    app.add_option("-o,--output", o.output,
                   "Write the lines to FILE instead of stdout (a temporary file, renamed when complete)")
        ->option_text("FILE")
        ->check(NOT_EMPTY);
    app.add_option("--touch", o.touch,
                   "How each page is touched first. write: a private frame per page. read: the kernel maps "
                   "a shared zero page: the 4 KiB one, or where THP applies the huge zero page (512 "
                   "frames that every 2 MiB range shares). none: never touched, so not present yet "
                   "(demand paging)")
        ->option_text("write|read|none (default write)");
    app.add_option("--format", o.format, "Output format")->option_text("text|csv|json (default text)");
    app.add_flag("--flags", o.flags, "Add the decoded pagemap bits and kpageflags kinds to every line");
    app.add_option("--thp", o.thp,
                   "Advise transparent huge pages for the memory (madvise MADV_HUGEPAGE / MADV_NOHUGEPAGE); "
                   "default: the system policy")
        ->option_text("on|off");
    app.add_flag("--populate", o.populate, "Fault the memory in when it is mapped (MAP_POPULATE)");
    app.add_flag("--mlock", o.mlock, "Lock the memory (mlock), so its frames cannot be swapped out");
    app.add_flag("--fork", o.fork,
                 "After the touch, fork: print the pages as the parent saw them (lines 'parent:'), as the "
                 "child sees them ('child:', the same frames, copy-on-write), after the child wrote every "
                 "page ('child-wrote:', new frames) and the parent's again ('parent-now:'); with --flags, "
                 "pagemap's exclusive bit shows who shares");
    app.add_flag("--reread", o.reread, "Read pagemap a second time at the end and report frames that moved");
    app.add_option("--allocator", o.allocator,
                   "4K blocks from: pool (a page allocator, memory = SIZE) or libc (posix_memalign, which "
                   "uses about twice SIZE)")
        ->option_text("pool|libc (default pool)");
    app.add_flag("-q,--quiet", o.quiet, "No summary on stderr");
    app.add_option("--snapshot", o.snapshot,
                   "After translating, ask the kernel module (/proc/pagetable) for the page tables of the "
                   "memory, in snapshots of at most 16 MiB, and write them to FILE as one machine file with "
                   "an 'expect VA PA pagemap' line per page (vmsim check FILE replays it). With --kernel: the "
                   "module's snapshot of its allocation")
        ->option_text("FILE")
        ->check(NOT_EMPTY);
    app.add_option("--svg", o.svg,
                   "Also draw the pages to FILE as a picture (SVG, a 16:9 slide): virtual page against "
                   "physical address, so scattered 4K frames, one contiguous block and 2 MiB huge pages "
                   "tell apart at a glance")
        ->option_text("FILE")
        ->check(NOT_EMPTY);
    app.add_option("--kernel", o.kernel,
                   "Instead of allocating here, have the kernel module allocate 1 MiB with vmalloc or kmalloc "
                   "and print its lines (Vmalloc: VA=... -> PA=...); -b and -m do not apply")
        ->option_text("vmalloc|kmalloc");
}

namespace {

// --kernel: the module allocates, so the options about vmreal's own memory do not apply.
std::string validate_kernel(const Options& o, Config& c) {
    if (o.kernel != "vmalloc" && o.kernel != "kmalloc")
        return fmt::format("--kernel {}: use vmalloc or kmalloc", o.kernel);
    if (!o.block.empty() || !o.memory.empty() || !o.thp.empty() || o.populate || o.mlock || o.reread || o.flags ||
        o.touch != "write" || o.allocator != "pool")
        return fmt::format("--kernel {}: the module allocates 1 MiB itself; -b, -m, --touch, --thp, --populate, "
                           "--mlock, --reread, --flags and --allocator do not apply",
                           o.kernel);
    auto format = report_format_from(o.format);
    if (!format) return fmt::format("--format {}: use text, csv or json", o.format);
    c.format = *format;
    c.kernel = o.kernel;
    return "";
}

}  // namespace

Parsed<Config> validate(const Options& o) {
    Parsed<Config> out;
    Config& c = out.value;
    auto bad = [&](std::string message) {
        out.error = std::move(message);
        return out;
    };
    c.output = o.output;
    c.snapshot = o.snapshot;
    c.quiet = o.quiet;
    if (o.snapshot == "-") return bad("--snapshot -: give a file name (the report may be on stdout)");
    if (!o.snapshot.empty() && o.snapshot == o.output)
        return bad(fmt::format("--snapshot {}: the same file as -o", o.snapshot));
    c.svg = o.svg;
    if (o.svg == "-") return bad("--svg -: give a file name (the report may be on stdout)");
    if (!o.svg.empty() && (o.svg == o.output || o.svg == o.snapshot))
        return bad(fmt::format("--svg {}: the same file as -o or --snapshot", o.svg));
    if (!o.svg.empty())
        if (const std::string why = svg::check_writable(o.svg); !why.empty()) return bad("--svg: " + why);
    if (!o.kernel.empty()) {
        if (!o.svg.empty()) return bad("--svg draws vmreal's own pages: not with --kernel");
        out.error = validate_kernel(o, c);
        return out;
    }
    if (o.block.empty()) return bad("--block is required (or --kernel vmalloc|kmalloc)");
    if (o.memory.empty()) return bad("--memory is required with -b");

    const std::string block = upper(o.block);
    if (block == "4K") c.alloc.mode = BlockMode::Pages4K;
    else if (block == "1G") c.alloc.mode = BlockMode::Big;
    else return bad(fmt::format("-b {}: use 4K (one block per page) or 1G (one block of SIZE bytes)", o.block));
    c.block_word = block;

    auto size = parse_size(o.memory);
    if (!size) return bad(fmt::format("-m {}: {}", o.memory, size.error));
    if (size.value % 4096 != 0)
        return bad(fmt::format("-m {}: not a whole number of 4K pages (try {})", o.memory,
                               format_size((size.value / 4096 + 1) * 4096)));
    c.alloc.size = size.value;

    if (o.touch == "write") c.touch = Touch::Write;
    else if (o.touch == "read") c.touch = Touch::Read;
    else if (o.touch == "none") c.touch = Touch::None;
    else return bad(fmt::format("--touch {}: use write, read or none", o.touch));

    auto format = report_format_from(o.format);
    if (!format) return bad(fmt::format("--format {}: use text, csv or json", o.format));
    c.format = *format;

    if (o.thp.empty()) c.alloc.thp = ThpAdvice::Default;
    else if (o.thp == "on") c.alloc.thp = ThpAdvice::On;
    else if (o.thp == "off") c.alloc.thp = ThpAdvice::Off;
    else return bad(fmt::format("--thp {}: use on or off", o.thp));

    if (o.allocator == "pool") c.alloc.allocator = Allocator::Pool;
    else if (o.allocator == "libc") c.alloc.allocator = Allocator::Libc;
    else return bad(fmt::format("--allocator {}: use pool or libc", o.allocator));
    if (c.alloc.allocator == Allocator::Libc && c.alloc.mode != BlockMode::Pages4K)
        return bad("--allocator libc applies to -b 4K only");
    if (c.alloc.allocator == Allocator::Libc && (c.alloc.thp != ThpAdvice::Default || o.populate))
        return bad("--thp and --populate need --allocator pool: malloc decides where its blocks live");

    c.alloc.populate = o.populate;
    c.alloc.mlock = o.mlock;
    c.flags = o.flags;
    c.reread = o.reread;
    if (o.fork) {
        if (c.format != ReportFormat::Text) return bad("--fork writes labelled text lines: use --format text");
        if (!c.snapshot.empty()) return bad("--fork and --snapshot: one at a time");
        c.fork = true;
    }
    return out;
}

namespace {

// --svg: the pages as the report has them (the parent's, with --fork), drawn by sim/present.
void write_svg(const Experiment& ex, const std::string& path) {
    std::vector<FramePage> pages;
    pages.reserve(ex.vas.size());
    for (std::size_t i = 0; i < ex.vas.size(); ++i) {
        const PageRecord r = record_of(ex, i);
        pages.push_back({r.va, r.pa});
    }
    const ThpAdvice thp = ex.config.alloc.thp;
    const std::string title = fmt::format("vmreal -b {} -m {} --touch {}{}", ex.config.block_word,
                                          format_size(ex.config.alloc.size), touch_name(ex.config.touch),
                                          thp == ThpAdvice::On ? " --thp on" : thp == ThpAdvice::Off ? " --thp off" : "");
    if (auto e = svg::write_file_atomic(path, svg_frames(pages, title)); !e.empty()) throw RealError(e);
}

// vmreal's own memory: allocate, touch, translate, and with the module a snapshot of it.
int run_buffer(const Config& c, const ModuleClient* module, OutputFile& out, OutputFile* snapshot) {
    Experiment ex = run_experiment(c);
    if (snapshot) snapshot_experiment(ex, *module, *snapshot);
    write_report_to(ex, out);
    out.commit();
    if (snapshot) snapshot->commit();
    if (!c.svg.empty()) write_svg(ex, c.svg);
    if (!c.quiet) {
        // The report is written; a summary that stderr cannot take (closed, /dev/full) is lost,
        // not a reason to fail or abort.
        try {
            print_summary(ex, stderr);
        } catch (const std::system_error&) {
        }
    }
    if (ex.pfn_hidden) {
        std::fprintf(stderr, "vmreal: %s\n", hidden_message(ex).c_str());
        return EXIT_PFN_HIDDEN;
    }
    return 0;
}

int run_kernel(const Config& c, const ModuleClient& module, OutputFile& out, OutputFile* snapshot) {
    const std::string note = run_kernel_allocation(c, module, out, snapshot);
    out.commit();
    if (snapshot) snapshot->commit();
    if (!c.quiet) std::fprintf(stderr, "%s\n", note.c_str());
    return 0;
}

}  // namespace

int run_vmreal(const Options& options) {
    auto config = validate(options);
    if (!config) {
        std::fprintf(stderr, "vmreal: %s\n", config.error.c_str());
        return EXIT_USAGE;
    }
    try {
        const Config& c = config.value;
        OutputFile out(c.output);
        std::optional<OutputFile> snapshot;
        if (!c.snapshot.empty()) snapshot.emplace(c.snapshot, "--snapshot");
        std::optional<ModuleClient> module;
        if (snapshot || !c.kernel.empty())
            module.emplace(c.kernel.empty() ? std::string("--snapshot") : "--kernel " + c.kernel);
        if (!c.kernel.empty()) return run_kernel(c, *module, out, snapshot ? &*snapshot : nullptr);
        return run_buffer(c, module ? &*module : nullptr, out, snapshot ? &*snapshot : nullptr);
    } catch (const RealError& e) {
        std::fprintf(stderr, "vmreal: %s\n", e.what());
        return e.code;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "vmreal: out of memory for vmreal's own bookkeeping\n");
        return EXIT_RUNTIME;
    } catch (const std::exception& e) {  // never abort: say what, if stderr can still take it
        std::fprintf(stderr, "vmreal: %s\n", e.what());
        return EXIT_RUNTIME;
    }
}

}  // namespace vmtour
