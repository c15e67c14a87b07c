#include "quiz_answers.hpp"
#include "line_reader.hpp"
#include "text.hpp"

#include "common.hpp"
#include "grade.hpp"
#include "quiz_grade.hpp"
#include "quiz_text.hpp"
#include "parse.hpp"
#include "render.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <functional>
#include <iostream>
#include <optional>
#include <unistd.h>
#include <utility>

namespace vmtour::cli {

int grade_answer_file(const Quiz& quiz, const std::string& file, const std::string& title, bool solve, bool json) {
    const std::string name = file == "-" ? "<stdin>" : file;
    auto text = read_input(file, "answer file");
    if (!text) throw InputError(text.error);
    const auto graded = grade_answer_text(quiz, text.value, name);
    if (!graded) throw InputError(graded.error);
    const std::size_t n = quiz.questions.size();
    std::size_t right = 0;
    std::string body;
    nlohmann::json items = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
        const Question& q = quiz.questions[i];
        const Walk w = question_walk(quiz, i);
        const auto& [given, v] = graded.value[i];
        right += v.right;
        nlohmann::json j{{"question", i + 1}, {"given", answer_word(given)}, {"right", v.right}};
        const std::string head = fmt::format("  {}. {:<5}  {}", i + 1, v.right ? "right" : "wrong",
                                             answer_word(given));
        body += wrap(fmt::format("{}  ({})", head, question_text(q)), TEXT_WIDTH, "           ") + "\n";
        if (!v.right) {
            j["slip"] = slip_name(v.slip);
            j["step"] = v.step >= 0 ? nlohmann::json(v.step + 1) : nlohmann::json(nullptr);
            j["hint"] = v.hint;
            body += "     " + (wrap("hint: " + v.hint, 75, "           ") + "\n");
            if (solve) {
                j["answer"] = answer_word(v.expected);
                body += "\n" + quiz_solution_text(quiz, w) + "\n";
            }
        }
        items.push_back(j);
    }
    if (json) {
        std::cout << nlohmann::json{{"format", "vmtour-quiz-answers/1"}, {"quiz", title}, {"right", right},
                                    {"questions", n}, {"answers", items}}.dump(2)
                  << "\n";
    } else {
        std::cout << fmt::format("{}\nanswers from {}\n\n{}\nscore: {} of {} right\n", title, name, body, right, n);
        if (right < n && !solve)
            std::cout << fmt::format("Hints name the first step where your answer and the walk part; the whole "
                                     "walk:\n  {} \\\n    --answer {} --solve\n",
                                     title, file);
    }
    return right == n ? 0 : EXIT_FAULT;
}

namespace {

struct ScoreTally {
    std::size_t first_try = 0, later = 0, skipped = 0, done = 0;
};

std::string summary(const ScoreTally& t, std::size_t total) {
    return fmt::format("score: {} of {} right at the first try, {} after more tries, {} shown", t.first_try, total,
                       t.later, t.skipped);
}

// How a question ended (named apart from cmd_lesson_do.cpp's End: vmsim is a unity build).
enum class QuestionEnd { Right, Shown, Stopped };

// A graded line: a one-line error for a malformed answer, else right or wrong with the hint.
struct Judged {
    bool right = false;
    std::string hint;
};

// One question: the learner's lines until a right answer, 'show' or a stop (EOF, 'quit').
// 'hint' gives `hints` one at a time, all but the last (which is the answer itself).
QuestionEnd ask_question(const std::string& heading, const std::vector<std::string>& hints, const std::string& solution,
                 const std::function<Parsed<Judged>(const std::string&)>& judge, LineReader& in, bool& first_try) {
    std::size_t next_hint = 0;
    first_try = true;
    std::cout << wrap(heading, TEXT_WIDTH, "   ") << "\n";
    for (;;) {
        std::cout << "answer> " << std::flush;
        const auto line = in.next();
        if (!line) return QuestionEnd::Stopped;
        if (!in.terminal()) std::cout << *line << "\n";  // a transcript that reads like the session
        std::string cmd = *line;
        std::erase_if(cmd, [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
        if (cmd.empty()) continue;
        if (cmd == "quit" || cmd == "q") return QuestionEnd::Stopped;
        if (cmd == "hint" || cmd == "h" || cmd == "?") {
            first_try = false;
            if (next_hint + 1 >= hints.size()) {
                std::cout << "  no more hints before the answer: type 'show' to see it\n";
                continue;
            }
            std::cout << "  " << (wrap(fmt::format("hint {}: {}", next_hint + 1, hints[next_hint]), 78, "    ") + "\n");
            ++next_hint;
            continue;
        }
        if (cmd == "show" || cmd == "skip") {
            std::cout << "\n" << solution;
            return QuestionEnd::Shown;
        }
        const Parsed<Judged> v = judge(*line);
        if (!v) {
            std::cout << "  " << (wrap(v.error + "; or 'hint', 'show', 'quit'", 78, "  ") + "\n");
            continue;
        }
        if (v.value.right) {
            std::cout << "  right\n\n" << solution;
            return QuestionEnd::Right;
        }
        first_try = false;
        std::cout << "  " << (wrap("wrong: " + v.value.hint, 78, "    ") + "\n");
    }
}

QuestionEnd ask_one(const Quiz& quiz, std::size_t i, LineReader& in, bool& first_try) {
    const Walk w = question_walk(quiz, i);
    const auto judge = [&](const std::string& line) {
        Parsed<Judged> r;
        const auto t = parse_answer(line);
        if (!t) r.error = t.error;
        else {
            const Verdict v = grade(quiz.machine, w, t.value);
            r.value = {v.right, v.hint};
        }
        return r;
    };
    return ask_question(fmt::format("\n{}. {}", i + 1, question_text(quiz.questions[i])), walk_hints(quiz.machine, w),
                        quiz_solution_text(quiz, w), judge, in, first_try);
}

// The questions in order, each asked by `ask` (which clears `first` after a wrong answer or a
// hint), with a tally; EOF, 'quit' and Ctrl-C stop with the tally so far. Both kinds of session.
int run_session(std::size_t n, const std::function<QuestionEnd(std::size_t, LineReader&, bool&)>& ask) {
    LineReader in;
    ScoreTally t;
    for (std::size_t i = 0; i < n; ++i) {
        bool first = true;
        const QuestionEnd e = ask(i, in, first);
        if (e == QuestionEnd::Stopped) {
            std::cout << "\n"
                      << wrap(fmt::format("{} at question {} of {}; {}", sigint_caught() ? "interrupted" : "stopped",
                                          i + 1, n, summary(t, n)))
                      << "\n";
            return sigint_caught() ? 130 : EXIT_FAULT;
        }
        ++t.done;
        if (e == QuestionEnd::Shown) ++t.skipped;
        else if (first) ++t.first_try;
        else ++t.later;
    }
    std::cout << "\n" << summary(t, n) << "\n";
    return t.first_try + t.later == n ? 0 : EXIT_FAULT;
}

}  // namespace

int ask_session(const Quiz& quiz, const std::string& problem) {
    catch_sigint();

    const std::size_t n = quiz.questions.size();
    std::cout << problem
              << "\nAnswer each question with its physical address (0x...), 'pf 0xCODE' or 'gp'.\n"
                 "'hint' shows the walk one step at a time, 'show' the whole walk, 'quit' stops.\n";
    return run_session(n, [&](std::size_t i, LineReader& in, bool& first) { return ask_one(quiz, i, in, first); });
}

}  // namespace vmtour::cli

namespace vmtour::cli {

int grade_kind_file(const KindQuiz& quiz, const std::string& file, const std::string& title, bool solve) {
    const std::string name = file == "-" ? "<stdin>" : file;
    auto text = read_input(file, "answer file");
    if (!text) throw InputError(text.error);
    const auto graded = grade_kind_answer_text(quiz, text.value, name);
    if (!graded) throw InputError(graded.error);
    const std::size_t n = quiz.questions.size();
    std::size_t right = 0;
    std::string body;
    for (std::size_t i = 0; i < n; ++i) {
        const KindGraded& g = graded.value[i];
        right += g.verdict.right;
        const std::string head = fmt::format("  {}. {:<5}  {}", i + 1, g.verdict.right ? "right" : "wrong", g.given);
        body += wrap(fmt::format("{}  ({})", head, kind_question_text(quiz, i)), TEXT_WIDTH, "           ") + "\n";
        if (g.verdict.right) continue;
        body += "     " + (wrap("hint: " + g.verdict.hint, 75, "           ") + "\n");
        if (solve) body += "\n" + kind_solution_text(quiz, i) + "\n";
    }
    std::cout << fmt::format("{}\nanswers from {}\n\n{}\nscore: {} of {} right\n", title, name, body, right, n);
    if (right < n && !solve)
        std::cout << fmt::format("Hints name what is wrong in each answer; the solutions:\n  {} \\\n    --answer {} "
                                 "--solve\n",
                                 title, file);
    return right == n ? 0 : EXIT_FAULT;
}

namespace {

const char* const KIND_PROMPT[] = {
    "",
    "Answer each question with the entry's physical address (0x...) or 'none'.\n",
    "Answer each question with 'table 0xADDRESS FLAGS', 'frame 0xADDRESS FLAGS'\nor 'not present'.\n",
    "Answer each question with a number of tables.\n",
};

QuestionEnd ask_kind_one(const KindQuiz& quiz, std::size_t i, LineReader& in, bool& first_try) {
    const auto judge = [&](const std::string& line) {
        Parsed<Judged> r;
        const auto v = grade_kind_answer(quiz, i, line);
        if (!v) r.error = v.error;
        else r.value = {v.value.right, v.value.hint};
        return r;
    };
    return ask_question(fmt::format("\n{}. {}", i + 1, kind_question_text(quiz, i)), kind_hints(quiz, i),
                        kind_solution_text(quiz, i), judge, in, first_try);
}

}  // namespace

int ask_kind_session(const KindQuiz& quiz, const std::string& problem) {
    catch_sigint();
    const std::size_t n = quiz.questions.size();
    std::cout << problem << "\n"
              << KIND_PROMPT[static_cast<int>(quiz.options.kind)]
              << "'hint' shows the next hint, 'show' the solution, 'quit' stops.\n";
    return run_session(n, [&](std::size_t i, LineReader& in, bool& first) { return ask_kind_one(quiz, i, in, first); });
}

}  // namespace vmtour::cli
