// The quiz's learner side: `quiz --answer FILE` grades an answer file, `quiz --ask` asks one
// question at a time at the terminal. Both grade with sim/teach/grade.hpp.
#pragma once

#include "quiz.hpp"
#include "quiz_kinds.hpp"

#include <string>

namespace vmtour::cli {


// Grades FILE ('-' for stdin) against the quiz: exit 0 all right, 1 some wrong; a malformed
// file throws InputError ("FILE:LINE: reason"). With `solve`, each wrong answer's walk follows.
int grade_answer_file(const Quiz& quiz, const std::string& file, const std::string& title, bool solve, bool json);

// The interactive session. `problem` is the quiz as printed (machine and questions).
// Exit 0 every question answered right, 1 otherwise, 130 on SIGINT (Ctrl-C).
int ask_session(const Quiz& quiz, const std::string& problem);

// The same for the other kinds of question (`--kind entry|decode|cost`): the same output, exit
// codes and commands ('hint', 'show', 'quit'); the answers are the kind's (quiz_kinds.hpp).
int grade_kind_file(const KindQuiz& quiz, const std::string& file, const std::string& title, bool solve);
int ask_kind_session(const KindQuiz& quiz, const std::string& problem);

}  // namespace vmtour::cli
