#include "tlb_measure.hpp"

#include "cli_text.hpp"
#include "parse.hpp"
#include "svg_doc.hpp"
#include "tlb_picture.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

namespace vmtour {

namespace {

constexpr std::size_t PAGE = 4096, HUGE_PAGE = std::size_t{2} << 20, LINE = 64;

struct Options {
    std::uint64_t min_pages = 4, max_pages = 32768;
    unsigned reps = 7;
    int cpu = -1;
    bool no_thp = false;
    std::uint64_t steps = 400000;  // accesses per timed run (at least 4 rounds of the chase)
    std::string svg;               // --svg FILE
};

// An anonymous buffer of `pages` pages, 2 MB aligned, every page touched; THP asked for or refused.
struct Buffer {
    char* base = nullptr;  // the mapping
    std::size_t map_len = 0;
    char* p = nullptr;  // 2 MB aligned start
    std::size_t len = 0;
    Buffer(std::uint64_t pages, bool thp) {
        len = pages * PAGE;
        // Whole 2 MB ranges from an aligned start, so even a small buffer can be one huge page.
        const std::size_t span = (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        map_len = span + HUGE_PAGE;
        void* m = mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) throw std::runtime_error(fmt::format("mmap of {} bytes: {}", map_len, std::strerror(errno)));
        base = static_cast<char*>(m);
        p = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(base) + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        madvise(p, span, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        for (std::size_t off = 0; off < len; off += PAGE) p[off] = 1;
    }
    ~Buffer() { munmap(base, map_len); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
};

// The share of [p, p+len) the kernel backs with huge pages: AnonHugePages of its mapping in
// /proc/self/smaps (Documentation/filesystems/proc.rst), -1 if it cannot be read.
double thp_fraction(const Buffer& b) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    const auto want = reinterpret_cast<std::uintptr_t>(b.p);
    while (std::getline(smaps, line)) {
        unsigned long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find('-')) {
            inside = want >= lo && want < hi;
            continue;
        }
        unsigned long kb = 0;
        if (inside && std::sscanf(line.c_str(), "AnonHugePages: %lu kB", &kb) == 1)
            return std::min(1.0, double(kb) * 1024.0 / double(b.len));
    }
    return -1;
}

double now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// Builds the chase (Sattolo's algorithm: one cycle through all pages) and returns the median ns
// per access over `reps` timed runs after a warm-up round.
double chase(Buffer& b, std::uint64_t pages, const Options& o) {
    std::vector<std::uint64_t> order(pages);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(pages * 7919 + 1);
    for (std::uint64_t i = pages - 1; i > 0; --i) std::swap(order[i], order[std::uniform_int_distribution<std::uint64_t>(0, i - 1)(rng)]);
    // Page i's slot: one line, at line (i mod 64) of the page, so the slots spread over cache sets.
    auto slot = [&](std::uint64_t i) { return b.p + i * PAGE + (i % (PAGE / LINE)) * LINE; };
    for (std::uint64_t i = 0; i < pages; ++i) *reinterpret_cast<void**>(slot(order[i])) = slot(order[(i + 1) % pages]);
    void* q = slot(order[0]);
    for (std::uint64_t i = 0; i < pages; ++i) q = *static_cast<void**>(q);  // warm-up
    const std::uint64_t steps = std::max<std::uint64_t>(o.steps, 4 * pages);
    std::vector<double> runs;
    for (unsigned r = 0; r < o.reps; ++r) {
        const double t0 = now_ns();
        for (std::uint64_t i = 0; i < steps; ++i) q = *static_cast<void**>(q);
        runs.push_back((now_ns() - t0) / double(steps));
    }
    asm volatile("" : : "r"(q) : "memory");  // keep the chase
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

std::vector<std::uint64_t> sizes(const Options& o) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t p = 1; p <= o.max_pages; p *= 2)
        for (std::uint64_t n : {p, p + p / 2})
            if (n >= o.min_pages && n <= o.max_pages && (v.empty() || v.back() != n)) v.push_back(n);
    return v;
}

std::string read_first_line(const char* path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

// The CPU's name as /proc/cpuinfo gives it ("model name"), or "" where it gives none.
std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
            const std::size_t from = line.find_first_not_of(" \t", line.find(':') + 1);
            return from == std::string::npos ? std::string() : line.substr(from);
        }
    return "";
}

bool in_vm() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("flags", 0) == 0) return line.find(" hypervisor") != std::string::npos;
    return false;
}

// The policy's chosen word: "always [madvise] never" is "madvise".
std::string thp_word(const std::string& policy) {
    const std::size_t a = policy.find('['), b = policy.find(']');
    return a != std::string::npos && b != std::string::npos && b > a ? policy.substr(a + 1, b - a - 1) : "unknown";
}

std::string knees_text(const std::vector<Knee>& knees) {
    if (knees.empty()) return "none (no step of 30% or more)";
    std::string s;
    for (const Knee& k : knees)
        s += fmt::format("\n    after {} pages ({} of 4K pages): {:.1f} -> {:.1f} ns", k.pages,
                         format_size(k.pages * PAGE), k.before, k.after);
    return s;
}

}  // namespace

std::vector<Knee> find_knees(const std::vector<std::uint64_t>& pages, const std::vector<double>& ns, double factor) {
    // A knee is a step that lasts: this point and the next are both `factor` above the lowest
    // time since the last knee. A lone spike (a preemption on a busy machine) is not a knee.
    std::vector<Knee> knees;
    if (ns.empty()) return knees;
    double base = ns[0];
    for (std::size_t i = 1; i < ns.size() && i < pages.size(); ++i) {
        const double held = i + 1 < ns.size() ? std::min(ns[i], ns[i + 1]) : ns[i];
        if (held >= factor * base) {
            knees.push_back({pages[i], base, held});
            base = held;
        } else {
            base = std::min(base, ns[i]);
        }
    }
    return knees;
}

int run_tlb_measure(int argc, char** argv) {
    CLI::App app{"vmreal tlb: time per access of a random one-access-per-page pointer chase over N pages, "
                 "with 4 KB pages and with transparent huge pages; the steps in the curve are where the "
                 "TLB levels run out of reach. Unprivileged.",
                 "vmreal tlb"};
    vmtour::use_wrapping_help(app);  // help in 80 columns, errors in our words, as vmreal's own
    app.footer("Example (about 2 s; the curve as a picture too):\n  vmreal tlb --svg tlb.svg");
    Options o;
    app.add_option("--min", o.min_pages, "Fewest pages (default 4)")->check(CLI::Range(std::uint64_t{2}, std::uint64_t{1} << 22));
    app.add_option("--max", o.max_pages, "Most pages (default 32768: 128 MiB)")->check(CLI::Range(std::uint64_t{2}, std::uint64_t{1} << 22));
    app.add_option("--reps", o.reps, "Timed runs per point; the median is shown (default 7)")->check(CLI::Range(1u, 101u));
    app.add_option("--steps", o.steps, "Accesses per timed run (default 400000, at least 4 rounds)");
    app.add_option("--cpu", o.cpu, "CPU to pin to (default: the one it starts on)");
    app.add_flag("--no-thp", o.no_thp, "Only 4 KB pages");
    CLI::Option* svg = app.add_option("--svg", o.svg,
                                      "Also draw the curve to FILE (SVG, a 16:9 slide): ns per access against "
                                      "N pages, 4K and THP lines, the knees marked and explained")
                           ->option_text("FILE");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::fprintf(stderr, "%s\n", vmtour::parse_error_text(app, e, "vmreal tlb").c_str());
        return 2;
    }
    if (o.min_pages > o.max_pages) {
        std::fprintf(stderr, "vmreal tlb: --min is above --max\n");
        return 2;
    }
    if (svg->count() > 0)
        if (const std::string e = svg::check_writable(o.svg); !e.empty()) {
            std::fprintf(stderr, "vmreal tlb: --svg: %s\n", e.c_str());
            return 2;
        }
    const int cpu = o.cpu >= 0 ? o.cpu : sched_getcpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        std::fprintf(stderr, "vmreal tlb: cannot pin to CPU %d: %s\n", cpu, std::strerror(errno));
        return 2;
    }
    const std::string thp_policy = read_first_line("/sys/kernel/mm/transparent_hugepage/enabled");
    const bool thp = !o.no_thp && !thp_policy.empty() && thp_policy.find("[never]") == std::string::npos;

    fmt::print("vmreal tlb: ns per access, random chase, one line in each of N pages\n");
    fmt::print("CPU {} (pinned), median of {} runs; THP policy: {}\n\n", cpu, o.reps,
               thp_policy.empty() ? "unknown" : thp_policy);
    fmt::print("{:>8} {:>10} {:>10} {:>10} {:>10}\n", "pages", "4K reach", "4K pages", "THP", "huge");
    std::vector<TlbPoint> points;
    try {
        for (std::uint64_t n : sizes(o)) {
            TlbPoint pt;
            pt.pages = n;
            {
                Buffer b(n, false);
                pt.ns_4k = chase(b, n, o);
            }
            if (thp) {
                Buffer b(n, true);
                pt.ns_thp = chase(b, n, o);
                pt.thp_fraction = thp_fraction(b);
            }
            fmt::print("{:>8} {:>10} {:>10.2f} {:>10} {:>10}\n", n, format_size(n * PAGE), pt.ns_4k,
                       thp ? fmt::format("{:.2f}", pt.ns_thp) : "-",
                       pt.thp_fraction < 0 ? "-" : fmt::format("{:.0f}%", 100 * pt.thp_fraction));
            std::fflush(stdout);
            points.push_back(pt);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vmreal tlb: %s\n", e.what());
        return 2;
    }
    std::vector<std::uint64_t> ns_pages;
    std::vector<double> ns4, nsthp;
    for (const TlbPoint& p : points) {
        ns_pages.push_back(p.pages);
        ns4.push_back(p.ns_4k);
        nsthp.push_back(p.ns_thp);
    }
    const std::vector<Knee> knees_4k = find_knees(ns_pages, ns4), knees_thp = find_knees(ns_pages, nsthp);
    // "none" stays on the heading's line, aligned; a list of knees starts on the next line (no
    // trailing spaces then).
    auto knees_line = [](std::string_view head, const std::vector<Knee>& knees) {
        const std::string text = knees_text(knees);
        if (text.front() == '\n') fmt::print("{}{}\n", head, text);
        else fmt::print("{:<16} {}\n", head, text);
    };
    fmt::print("\n");
    knees_line("knees, 4K pages:", knees_4k);
    if (thp) knees_line("knees, THP:", knees_thp);
    fmt::print("\nEach step is a TLB level running out of reach, or a data cache doing so\n"
               "(N lines of 64 bytes); compare with 'vmsim tlb --config' (lesson 10).\n");
    const bool vm = in_vm();
    if (vm)
        fmt::print("This CPU runs under a hypervisor: a TLB miss walks the guest's tables and\n"
                   "the host's (EPT/NPT), so misses cost more than on bare metal.\n");
    if (svg->count() > 0) {
        TlbCurve curve = tlb_curve(points, knees_4k, knees_thp, thp);
        const std::string model = cpu_model();
        curve.cpu = fmt::format("{}{}CPU {} (pinned)", model, model.empty() ? "" : ", ", cpu);
        curve.options = fmt::format("--min {} --max {} --reps {} --steps {}{}; THP policy: {}", o.min_pages,
                                    o.max_pages, o.reps, o.steps, o.no_thp ? " --no-thp" : "",
                                    thp_word(thp_policy));
        curve.hypervisor = vm;
        std::fflush(stdout);
        if (const std::string e = svg::write_file_atomic(o.svg, svg_tlb_curve(curve)); !e.empty()) {
            std::fprintf(stderr, "vmreal tlb: %s\n", e.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace vmtour
