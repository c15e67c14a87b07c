#include "quiz_text.hpp"

#include "render.hpp"
#include "text.hpp"

#include <fmt/format.h>

namespace vmtour {

std::string quiz_command_line(const QuizOptions& o) {
    return fmt::format("vmsim quiz --levels {} --seed {}{}{}{}", o.mode->level_count, o.seed,
                       o.count != 5 ? fmt::format(" --count {}", o.count) : "", o.huge ? " --huge" : "",
                       o.faults ? " --faults" : "");
}

std::string quiz_problem_text(const Quiz& quiz, const std::string& dump) {
    const Machine& m = quiz.machine;
    std::string out = fmt::format("{}\n{}: {} address{} to translate\n\n", quiz_command_line(quiz.options),
                                  m.mode->title, quiz.questions.size(), quiz.questions.size() == 1 ? "" : "es");
    out += "The machine as a machine file (docs/machine-format.md): CR3, the control bits,\n"
           "and each table's non-zero entries as INDEX RAW-ENTRY.\n"
           "Entry bits: P=0x1 R/W=0x2 U/S=0x4 PS=0x80" +
           std::string(m.mode->has_xd ? " XD=bit 63" : "") + ".\n\n" + dump + "\n";
    out += "Translate each access: its physical address, or the fault\n"
           "(#PF and its error code, or #GP).\n";
    for (std::size_t i = 0; i < quiz.questions.size(); ++i)
        out += wrap(fmt::format("  {}. {}", i + 1, question_text(quiz.questions[i])), TEXT_WIDTH, "     ") + "\n";
    return out;
}

std::string quiz_solution_text(const Quiz& quiz, const Walk& w) {
    return render_walk_text(quiz.machine, w) +
           wrap(fmt::format("answer  {}", answer_text(quiz.machine, w)), TEXT_WIDTH, "        ") + "\n";
}

}  // namespace vmtour
