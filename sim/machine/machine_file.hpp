// Reading and writing machine files (docs/machine-format.md), the text format that people,
// `vmsim dump` and the kernel module's snapshot all write.
#pragma once

#include "machine.hpp"
#include "parse.hpp"

#include <string>
#include <string_view>

namespace vmtour {

inline constexpr unsigned MACHINE_FORMAT_VERSION = 1;

// What one machine file may ask for (docs/machine-format.md, "Limits"). A file past a limit is
// refused with one line; the defaults are far above what a real snapshot needs.
struct MachineLimits {
    std::size_t max_frames = PhysMem::MAX_FRAMES;  // 4 KB frames written by table/entry/map lines
    std::uint64_t max_mapped_pages = std::uint64_t{1} << 20;  // pages that map lines create
};

// Errors are one line: "NAME:LINE: reason".
Parsed<Machine> parse_machine(std::string_view text, std::string_view name, const MachineLimits& limits = {});
// Reads PATH ("-" is standard input) and parses it.
Parsed<Machine> load_machine(const std::string& path);

// Every table reachable from CR3 as raw entries, then the expect lines.
std::string dump_machine(const Machine& m);

}  // namespace vmtour
