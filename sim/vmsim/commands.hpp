// Each subcommand: an options struct, a setup function that declares its options, and a run
// function. main() only wires them together.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace vmtour::cli {

// Registers the subcommand on `app`; `run` is set to the function main calls when it was chosen.
using Runner = std::function<int()>;
void setup_translate(CLI::App& app, Runner& run);
void setup_split(CLI::App& app, Runner& run);
void setup_dump(CLI::App& app, Runner& run);
void setup_check(CLI::App& app, Runner& run);
void setup_cost(CLI::App& app, Runner& run);
void setup_map(CLI::App& app, Runner& run);
void setup_quiz(CLI::App& app, Runner& run);
void setup_lesson(CLI::App& app, Runner& run);
void setup_tlb(CLI::App& app, Runner& run);
void setup_grade(CLI::App& app, Runner& run);

// The whole command: ARGS are the words after "vmsim"; the exit status is returned. Output goes
// to stdout and stderr as from the terminal.
int run_vmsim(std::vector<std::string> args);

}  // namespace vmtour::cli
