// The quiz as `vmsim quiz` prints it: the command that makes it, the problem (machine and
// questions) and a question's solution. Shared by the command line and the web page, so that a
// learner reads the same problem in both.
#pragma once

#include "quiz.hpp"
#include "quiz_kinds.hpp"

#include <string>

namespace vmtour {

// "vmsim quiz --levels 2 --seed 7 --faults": the command that makes this quiz (with --hexdump,
// the tables shown as memory).
std::string quiz_command_line(const QuizOptions& o, bool hexdump = false);
// The problem: the command, the machine (`dump`, the machine file without expect lines; with
// `hexdump`, CR3 and the control bits, then every table page as rows of 16 bytes, as OSTEP's
// paging homework shows memory) and the numbered questions, wrapped to 80 columns.
std::string quiz_problem_text(const Quiz& quiz, const std::string& dump, bool hexdump = false);
// One question's answer: the walk as `vmsim translate` prints it, then "answer  ...".
std::string quiz_solution_text(const Quiz& quiz, const Walk& w);

// The other kinds of question (quiz_kinds.hpp): the problem (with the machine for `entry`, as
// quiz_problem_text shows it) and one question's solution, ending in "answer  ...".
std::string kind_problem_text(const KindQuiz& q, const std::string& dump, bool hexdump = false);
std::string kind_solution_text(const KindQuiz& q, std::size_t i);

}  // namespace vmtour
