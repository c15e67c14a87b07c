// The lessons' exercise files (lessons/README.md has the format) and the checks that decide whether
// an output is the right answer. Parsing and checking are pure; running the commands is the
// caller's business (`vmsim lesson check`).
#pragma once

#include "parse.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

struct ExerciseCheck {
    std::string kind;               // exact, exit, lines, all, count, has, invariant, frames, answer
    std::vector<std::string> args;  // count: N REGEX; invariant: NAME [PREFIX]; ...
    std::string text;               // the line as written, for messages
};

struct Recorded {
    std::string label;  // where it was recorded, e.g. "4level" (the matrix row)
    std::string file;   // relative to the lesson's folder
};

struct Exercise {
    std::string id;
    std::string ask;                    // the question, one paragraph
    std::string run;                    // a shell command, run in the lesson's folder
    std::vector<std::string> needs;     // root, module, thp
    std::vector<ExerciseCheck> checks;
    std::vector<Recorded> recorded;     // outputs recorded where it can run (the matrix)
    // What the learner must type in `vmsim lesson do` (lesson_answer.hpp): values in order, or in
    // any order with `answer-set`; `form` names them for the prompt ("PD index, PT index, offset").
    // Empty for an exercise that asks nothing (it only shows, e.g. what your CPU reports).
    std::vector<std::string> answer;
    bool answer_set = false;
    std::string form;
    bool exact() const;                 // has a `check exact`
};

struct Lesson {
    unsigned number = 0;
    std::string slug;    // "01-pages-and-offsets"
    std::string dir;     // its folder
    std::string title;   // the README's first heading, without "# "
    std::vector<Exercise> exercises;
};

inline constexpr std::string_view LESSON_NEEDS[] = {"root", "module", "thp"};
inline constexpr std::string_view INVARIANTS[] = {"va-consecutive", "pa-consecutive", "pa-distinct",
                                                  "pa-same",        "page-offset",    "direct-map",
                                                  "huge-2m",        "va-gaps"};

// Errors are one line: "NAME:LINE: reason".
Parsed<std::vector<Exercise>> parse_exercises(std::string_view text, std::string_view name);
// The lessons in DIR: folders named NN-slug holding README.md and exercises.txt, by number.
Parsed<std::vector<Lesson>> load_lessons(const std::string& dir);

// What `check exact` compares: the output, then "[exit N]" (as tests/golden does).
std::string exact_text(const std::string& output, int exit_status);

struct CheckResult {
    bool ok = true;
    std::string why;  // the first check that failed and how, a few lines
};
// Every check of `e` on one output. `exit_status` is absent for an output recorded elsewhere
// (then `check exit` is not judged, and `exact` compares without the "[exit N]" line);
// `expected` is the expected/ID.out text, absent when there is none.
CheckResult check_output(const Exercise& e, const std::string& output, std::optional<int> exit_status,
                         const std::optional<std::string>& expected);

}  // namespace vmtour
