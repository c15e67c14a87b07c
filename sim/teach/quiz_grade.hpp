// Grading answers to a quiz (quiz.hpp) with grade.hpp: what `vmsim quiz --answer FILE`, `quiz
// --ask` and the web page's quiz share, so that a learner gets the same verdicts, hints and
// messages for a malformed answer wherever they answer. Pure: no printing, no input.
#pragma once

#include "grade.hpp"
#include "quiz.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace vmtour {

// The true walk of question `i` (the access the quiz asked, on the quiz's machine).
Walk question_walk(const Quiz& quiz, std::size_t i);

// One typed answer to question `i`: a malformed answer is parse_answer's one-line error.
Parsed<Verdict> grade_typed_answer(const Quiz& quiz, std::size_t i, std::string_view text);

struct GradedAnswer {
    Answer given;
    Verdict verdict;
};

// An answer file (parse_answers' format): one answer per question, in order. Errors are one line,
// "NAME:LINE: reason": a malformed answer, or more or fewer answers than questions.
Parsed<std::vector<GradedAnswer>> grade_answer_text(const Quiz& quiz, std::string_view text, std::string_view name);

}  // namespace vmtour
