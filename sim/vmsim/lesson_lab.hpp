// `vmsim lesson check N --lab`: the exercises that need the kernel module run for real in the
// lab's guests (vmlab, lab/README.md), in the modes each exercise names (its `recorded` lines),
// one boot per mode for all of a lesson's module exercises.
#pragma once

#include "lessons.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmtour::cli {

// Whether --lab runs `e` in guests (it needs the module).
bool lab_runs(const Exercise& e);

struct LabOutput {
    std::string mode;    // the guest's paging mode
    std::string output;  // stdout and stderr, as written
    int status = 0;
};

// Runs every lab exercise of `l` in its modes; by exercise id, one output per mode. Throws
// InputError when vmlab is missing or a guest fails (vmlab's line).
std::map<std::string, std::vector<LabOutput>> run_lab_exercises(const Lesson& l);

}  // namespace vmtour::cli
