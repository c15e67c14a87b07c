// What the `vmsim lesson` subcommands share (cmd_lesson.cpp defines it): finding the lessons,
// and running an exercise's command the one way `lesson check` and `lesson do` both use.
#pragma once

#include "commands.hpp"
#include "lessons.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vmtour::cli {

struct LessonOptions {
    std::string dir;
    std::string which;
    bool recorded = false;
    bool lab = false;  // the module's exercises in the lab's guests (lesson_lab.hpp)
    bool update = false;
    std::vector<std::string> output_of;  // ID=FILE
    bool again = false;                  // lesson do: ask the exercises already done too
};

// The lessons folder: --dir, $VMTOUR_LESSONS, or the one found from where this vmsim is.
std::string lessons_dir(const LessonOptions& o);
std::vector<Lesson> lessons(const LessonOptions& o);
Lesson pick(const LessonOptions& o);  // o.which: a number or a folder name
std::string read_file(const std::filesystem::path& p);  // bounded; InputError if unreadable

struct Ran {
    std::string output;  // stdout and stderr, as written
    int status = 0;
};
// Runs the exercise's command in its lesson's folder, with the vmsim and vmreal built next to
// this one first on the PATH.
Ran run_exercise(const Exercise& e, const Lesson& l);
// Why this machine cannot run the exercise (root, the module, THP), or "".
std::string missing_need(const Exercise& e, const Lesson& l);

// `vmsim lesson do` (cmd_lesson_do.cpp): adds the subcommand to `lesson`.
void setup_lesson_do(CLI::App& lesson, std::shared_ptr<LessonOptions> o, Runner& run);
// The learner's progress in lesson `l`, indented for `lesson list` ("    you: 3 of 5 done..."),
// or "" when they have not started it.
std::string progress_line(const Lesson& l);

}  // namespace vmtour::cli
