// The walker lab's test machines (lessons/lab-walker): for each stage and paging mode, seeded quiz
// machines and crafted edge cases, each with the accesses to ask. `vmsim grade` runs a learner's
// walker on them; a web page could do the same with its own runner. Pure and deterministic.
#pragma once

#include "machine.hpp"
#include "walk.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

enum class Stage { Basic, Huge, Faults };
inline constexpr Stage ALL_STAGES[] = {Stage::Basic, Stage::Huge, Stage::Faults};
std::string_view stage_name(Stage s);  // "basic", "huge", "faults"
std::optional<Stage> find_stage(std::string_view name);

struct Probe {
    std::uint64_t va = 0;
    Access access;
};

struct GradeCase {
    std::string name;  // "quiz seed 3", "pse36", "smep-smap", ...
    Machine machine;   // no expect lines: the walker gets raw tables only
    std::vector<Probe> probes;
};

// Stage basic: 4 KB pages, all rights granted (and PAE's CR3 aligned to 32 bytes only).
// Stage huge: large pages (4 MB with PSE-36 above 4 GiB, 2 MB, 1 GB) and CR4.PSE=0.
// Stage faults: not present, rights ANDed and ORed across levels, SMEP/SMAP, CR0.WP, EFER.NXE,
// reserved bits and non-canonical addresses.
// `seeds` quiz machines (seeds 1..seeds), then the crafted cases of the stage and mode.
std::vector<GradeCase> grade_cases(Stage stage, const PagingMode& mode, unsigned seeds);

// "0x7f001234 w user": a probe as the walker reads it.
std::string probe_line(const Probe& p);

}  // namespace vmtour
