#include "quiz_grade.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

Walk question_walk(const Quiz& quiz, std::size_t i) {
    const Question& q = quiz.questions.at(i);
    return walk(quiz.machine, q.va, q.access);
}

Parsed<Verdict> grade_typed_answer(const Quiz& quiz, std::size_t i, std::string_view text) {
    const auto a = parse_answer(text);
    if (!a) return {{}, a.error};
    return {grade(quiz.machine, question_walk(quiz, i), a.value), ""};
}

Parsed<std::vector<GradedAnswer>> grade_answer_text(const Quiz& quiz, std::string_view text, std::string_view name) {
    auto answers = parse_answers(text, name);
    if (!answers) return {{}, answers.error};
    const auto& given = answers.value;
    const std::size_t n = quiz.questions.size();
    if (given.size() > n)
        return {{}, fmt::format("{}:{}: answer {}, but the quiz has {} question{}", name, given[n].line, n + 1, n,
                                n == 1 ? "" : "s")};
    if (given.size() < n) {
        // The line to blame is the last one, counting a final line without its newline.
        const unsigned lines = static_cast<unsigned>(std::count(text.begin(), text.end(), '\n') +
                                                     (!text.empty() && text.back() != '\n'));
        return {{}, fmt::format("{}:{}: {} answer{} for {} questions (one line per question, in order)", name,
                                std::max(lines, 1u), given.size(), given.size() == 1 ? "" : "s", n)};
    }
    std::vector<GradedAnswer> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back({given[i], grade(quiz.machine, question_walk(quiz, i), given[i])});
    return {std::move(out), ""};
}

}  // namespace vmtour
