// vmlab: boots a real Debian kernel for one x86 paging mode under QEMU, with the kernel module
// ko5204, vmreal, vmsim and the lessons inside; an interactive root shell, or one command with
// its output, exit status, files and kernel log brought back. No root needed.
#include "cache.hpp"
#include "cli_text.hpp"
#include "errors.hpp"
#include "guest.hpp"
#include "modes.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <string>
#include <vector>

#ifndef VMTOUR_VERSION
#define VMTOUR_VERSION "unknown"
#endif

namespace {

using namespace vmtour::lab;

struct Options {
    GuestOptions guest;
    std::string mode;
    bool list = false, clean = false, fetch = false;
};

void say(const std::string& line) {
    if (line.empty()) return;  // already said (the fetch and build scripts speak for themselves)
    std::fputs(("vmlab: " + line + "\n").c_str(), stderr);
    std::fflush(stderr);
}

void setup(CLI::App& app, Options& o) {
    GuestOptions& g = o.guest;
    app.add_option("--mode", o.mode,
                   "The paging mode, and so the kernel: 2level (Debian's 686, 32-bit), pae (686-pae), "
                   "4level (amd64), 5level (amd64 with LA57)")
        ->option_text("2level|pae|4level|5level");
    app.add_option("--kernel", g.series, "The kernel series: 6.1 (Debian 12's own, the default) or 6.12 "
                                         "(bookworm-backports; amd64 only: 4level and 5level)")
        ->option_text("6.1|6.12");
    app.add_option("--in", g.in_files, "Files to put in the command's working folder, /lab (a program must be "
                                       "static: the guest has no libc)")
        ->option_text("FILE...");
    app.add_option("--out", g.out_dir, "Receives what the command wrote to /lab/out ($VMLAB_OUT) in the guest")
        ->option_text("DIR");
    app.add_option("--dmesg", g.dmesg_file, "Receives the guest's kernel log")->option_text("FILE");
    app.add_option("--console", g.console_file, "Receives the guest's console (with a command)")->option_text("FILE");
    app.add_option("--cpus", g.cpus, "The guest's CPUs (default 2, or 1 on a host with one)")
        ->check(CLI::Range(1, 64))
        ->option_text("N");
    app.add_option("--memory", g.memory_mib, "The guest's RAM in MiB (default 2048 for 2level and pae, 3072 for "
                                             "4level and 5level)")
        ->check(CLI::Range(256, 65536))
        ->option_text("MIB");
    app.add_option("--accel", g.accel, "auto (KVM when /dev/kvm works, else software emulation), kvm or tcg "
                                       "(default auto, or $VMTOUR_ACCEL)")
        ->option_text("auto|kvm|tcg");
    app.add_option("--timeout", g.timeout, "Seconds the guest may take to boot (default 120)")
        ->check(CLI::Range(1, 3600))
        ->option_text("SECONDS");
    app.add_flag("--no-module", [&g](std::int64_t) { g.module = false; },
                 "Do not load ko5204 (it is /lab/ko5204.ko: insmod it yourself)");
    app.add_option("--append", g.append, "More kernel arguments")->option_text("ARGS");
    app.add_flag("--list", o.list, "Show what is cached (kernels, guests) and its size");
    app.add_flag("--clean", o.clean, "Remove the cached kernels and guests");
    app.add_flag("--fetch", o.fetch, "Download the kernel and build the guest of --mode (all modes without "
                                     "--mode), then stop");
    app.set_version_flag("--version", "vmlab " VMTOUR_VERSION);
    app.footer(
        "vmlab --mode M -- CMD ARGS... runs CMD in the guest (working folder /lab),\n"
        "prints its output and exits with its status. Without CMD: a root shell on\n"
        "this terminal (Ctrl-C goes to the guest; exit, Ctrl-D or Ctrl-A x leave and\n"
        "power it off).\n"
        "Exit status: the command's; 2 a bad command line; 125 the lab failed (no\n"
        "QEMU, a download, a guest that did not boot or crashed) or the kernel logged\n"
        "an oops, BUG or WARNING; 130 interrupted.\n"
        "Cache: $VMTOUR_CACHE, else $XDG_CACHE_HOME/vmtour, else ~/.cache/vmtour.\n"
        "Kernels: --kernel 6.12 comes from Debian's bookworm-backports through an apt\n"
        "state of vmlab's own in the cache (the host's apt sources are not changed).\n"
        "Example: vmlab --mode 2level -- vmreal --kernel vmalloc");
}

int run(Options& o, std::vector<std::string> command) {
    if (o.list) return list_cache();
    if (o.clean) return clean_cache();
    const bool has_mode = !o.mode.empty();
    const Mode* m = has_mode ? find_mode(o.mode) : nullptr;
    if (has_mode && !m) throw UsageError(fmt::format("unknown mode '{}' (2level, pae, 4level or 5level)", o.mode));
    if (o.guest.accel != "auto" && o.guest.accel != "kvm" && o.guest.accel != "tcg")
        throw UsageError(fmt::format("--accel {}: auto, kvm or tcg", o.guest.accel));
    const std::string& series = o.guest.series;
    if (!known_series(series)) throw UsageError(fmt::format("unknown kernel series '{}' (6.1 or 6.12)", series));
    if (m && !series_has(*m, series))
        throw UsageError(fmt::format("no {} kernel for {}: Debian builds {} for amd64 only (4level, 5level)", series,
                                     m->name, series));
    if (o.fetch) {
        // Each kernel once (4level and 5level share one).
        std::vector<std::string> done;
        for (const Mode& each : MODES) {
            if ((m && &each != m) || !series_has(each, series)) continue;
            const std::string name = kernel_name(each, series);
            if (std::find(done.begin(), done.end(), name) != done.end()) continue;
            prepare(name);
            done.push_back(name);
        }
        return 0;
    }
    if (!m) throw UsageError("give --mode 2level, pae, 4level or 5level (see 'vmlab --help')");
    if (command.empty() && (!o.guest.in_files.empty() || !o.guest.out_dir.empty()))
        throw UsageError("--in and --out go with a command: vmlab --mode M --in FILE --out DIR -- CMD");
    for (const std::string& f : o.guest.in_files) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(f, ec)) throw UsageError(fmt::format("--in {}: no such file", f));
    }
    o.guest.mode = m;
    o.guest.command = std::move(command);
    return run_guest(o.guest);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"vmlab: boots a real Linux kernel (Debian's) in one x86 paging mode under QEMU, "
                 "with the kernel module ko5204 (/proc/pagetable), vmreal, vmsim and the lessons "
                 "inside. No root needed; the first run downloads the kernel (about 70 MB).",
                 "vmlab"};
    vmtour::use_wrapping_help(app);
    Options o;
    setup(app, o);
    // Everything after "--" is the guest's command, untouched by our parser.
    std::vector<std::string> args(argv + 1, argv + argc), command;
    if (auto dd = std::find(args.begin(), args.end(), "--"); dd != args.end()) {
        command.assign(dd + 1, args.end());
        args.erase(dd, args.end());
        if (command.empty()) {
            say("nothing after '--': give a command, or leave '--' out for a shell");
            return EXIT_USAGE;
        }
    }
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fputs((vmtour::parse_error_text(app, e, "vmlab") + "\n").c_str(), stderr);
        return EXIT_USAGE;
    }
    try {
        return run(o, std::move(command));
    } catch (const UsageError& e) {
        say(e.what());
        return EXIT_USAGE;
    } catch (const LabError& e) {
        say(e.what());
        return EXIT_LAB;
    } catch (const std::exception& e) {
        say(fmt::format("internal error: {}", e.what()));
        return EXIT_LAB;
    }
}
