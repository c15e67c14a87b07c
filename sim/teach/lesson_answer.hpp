// A lesson exercise's answer: what the learner types in `vmsim lesson do`, graded against the
// exercise's `answer` line (lessons/README.md has the format). Pure: no printing, no input.
//
// An answer is a list of values, separated by spaces, commas or semicolons. A value is a number
// or a word:
//   - numbers in any base the learner writes: 0x1f, 0b101, 0o17, 31, 1_000; a hex number without
//     0x is read as hex when it has a letter a-f (37b); a size suffix multiplies by 1024s (4K,
//     2M, 2MiB, 1GB: binary units, as the tools print them); a power 2^20; digits grouped by
//     commas (1,048,576) when reading the commas as separators gives too many values;
//   - words in any case, a leading '#' or trailing '.' forgiven (#PF = pf), with alternatives
//     written a|b in the exercise (yes|y).
// `answer` values are judged in order, `answer-set` values in any order.
#pragma once

#include "lessons.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// One number as a learner types it, or nullopt. `hex_without_prefix`: read "37b" as 0x37b.
std::optional<std::uint64_t> parse_learner_number(std::string_view text, bool hex_without_prefix = true);

// The values of a typed answer (or of an `answer` line): split on spaces, commas, semicolons.
std::vector<std::string> answer_values(std::string_view text);

struct LessonVerdict {
    bool right = false;
    std::string hint;  // when wrong: which value, without giving it away
};

// Grades `typed` against the exercise's answer; e.answer must not be empty.
LessonVerdict grade_lesson_answer(const Exercise& e, std::string_view typed);

// The answer as the exercise spells it, for showing after the learner gave up ("0x4c 0x37b 0xabe").
std::string answer_display(const Exercise& e);

// "" when every number of the exercise's answer appears in `output` (as the tools print numbers:
// 0x1f, 31, 4K, 2 MiB), else which one does not: `check answer`, which keeps the answers and the
// tools' outputs from drifting apart.
std::string answer_in_output(const Exercise& e, const std::string& output);

}  // namespace vmtour
