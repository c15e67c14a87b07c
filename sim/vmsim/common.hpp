// What every vmsim subcommand shares: choosing the machine, parsing addresses, reporting errors.
#pragma once

#include "cost.hpp"
#include "machine.hpp"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmtour::cli {

// Exit codes: 0 done, 1 the answer is a fault / a disagreement, 2 bad input.
inline constexpr int EXIT_FAULT = 1;
inline constexpr int EXIT_INPUT = 2;

// A bad input: main prints "vmsim: <what>" and exits with EXIT_INPUT.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#ifndef VMTOUR_VERSION
#define VMTOUR_VERSION "unknown"
#endif
inline constexpr const char* VERSION_TEXT = "vmsim " VMTOUR_VERSION " (machine format 1)";

// What every subcommand ends its help with: --version, and an example to copy.
void finish_command(CLI::App& cmd, std::string_view example);

// For unsigned options: CLI11 would turn "-1" into 2^64-1; refuse a sign instead.
const CLI::Validator& unsigned_number();
// For --svg FILE: a file that can be written (svg::check_writable), checked before any work.
const CLI::Validator& svg_file();

struct MachineOptions {
    unsigned levels = 0;          // 0: from the machine file, or 2
    std::string machine_file;     // empty: the built-in example for --levels
};

void add_machine_options(CLI::App& cmd, MachineOptions& opt);
Machine load(const MachineOptions& opt);
// --levels alone (for commands that need no machine): the mode, default `fallback`.
const PagingMode& mode_of(unsigned levels, const PagingMode& fallback);

// The pages of a vmreal output file (text, CSV or JSON; '-' reads stdin).
std::vector<std::uint64_t> load_report_vas(const std::string& path, std::vector<std::string>* pas = nullptr);
// The same pages as regions of the size they really had: a page vmreal saw in a transparent
// huge page (its THP flag, from kpageflags with --flags) stands for its whole 2M page.
std::vector<Region> load_report_regions(const std::string& path);

// A virtual address for `mode`: rejects garbage, and in the 32-bit modes anything above 4 GB.
std::uint64_t parse_va(const std::string& text, const PagingMode& mode);

}  // namespace vmtour::cli
