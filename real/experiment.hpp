// One vmreal run: allocate, touch, read VmPTE around it, translate every page through pagemap (and
// kpageflags as root), optionally read pagemap again; then write the report and the summary.
#pragma once

#include "alloc.hpp"
#include "cli.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmtour {

class OutputFile;

struct Experiment {
    Config config;
    std::unique_ptr<Allocation> alloc;
    std::vector<std::uint64_t> vas;      // page i's virtual address (output order)
    std::vector<std::uint64_t> entries;  // page i's raw pagemap entry
    std::vector<std::uint64_t> reread;   // the second read (--reread), else empty
    // --fork (else empty): the child's entries right after fork(), after it wrote every page, and
    // the parent's after that.
    std::vector<std::uint64_t> child, child_wrote, parent_now;
    std::vector<std::uint32_t> kflags;   // page i's kpageflags-derived PageFlag bits; empty if unread
                                         // (every frame looked up with --flags, else see stats.hpp)
    std::string kpageflags_note;         // why kflags is empty ("" when it was read)
    std::optional<std::uint64_t> pte_before_kib, pte_after_kib;
    std::optional<bool> cap_sys_admin;
    bool pfn_hidden = false;             // present pages came back with PFN 0
    std::uint64_t pagemap_preads = 0, kpageflags_preads = 0, kpageflags_lookups = 0;
    // Milliseconds spent: allocating and touching (the page faults), reading pagemap (both
    // reads), reading kpageflags, writing the report.
    double ms_touch = 0, ms_pagemap = 0, ms_kpageflags = 0, ms_write = 0;
    std::string snapshot_note;           // --snapshot: what was taken, for the summary ("" without)
};

// Throws RealError (with its exit code) on any failure.
Experiment run_experiment(const Config& config);

// The record for page i, as the report shows it.
PageRecord record_of(const Experiment& ex, std::size_t i);
// The same from another read of pagemap for the same pages (--reread, --fork).
PageRecord record_of(const Experiment& ex, const std::vector<std::uint64_t>& entries, std::size_t i);
void write_report_to(Experiment& ex, OutputFile& out);
void print_summary(const Experiment& ex, std::FILE* to);
// The one line that says the frame numbers were hidden, why, and what to do.
std::string hidden_message(const Experiment& ex);

}  // namespace vmtour
