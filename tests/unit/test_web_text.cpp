// What the web page shows from the library: lesson Markdown as HTML, and quiz answers graded as
// `vmsim quiz --answer` grades them.
#include "markdown_html.hpp"
#include "quiz_grade.hpp"

#include <catch2/catch.hpp>

using namespace vmtour;

TEST_CASE("lesson Markdown as HTML: text escaped, vmsim commands marked, tables and lists", "[markdown][web]") {
    const std::string html = render_markdown_html(
        "# Lesson 3: a <walk> & more\n\nRun `vmsim translate 0x1337babe --machine blog.machine` or `ls`.\n\n"
        "```\n$ vmsim split 0x1337babe --levels 3   # PDPT 0\nplain <line>\n```\n\n"
        "| mode | split |\n|---|---|\n| 32-bit | **10/10/12** |\n\n1. one\n2. two\n   continued\n");
    CHECK(html.find("<h1>Lesson 3: a &lt;walk&gt; &amp; more</h1>") != std::string::npos);
    CHECK(html.find("<code class=\"cmd\" data-cmd=\"vmsim translate 0x1337babe --machine blog.machine\">") !=
          std::string::npos);
    CHECK(html.find("<code>ls</code>") != std::string::npos);
    // A code block's "$ vmsim" line is marked without its comment; other lines stay text.
    CHECK(html.find("data-cmd=\"vmsim split 0x1337babe --levels 3\"") != std::string::npos);
    CHECK(html.find("plain &lt;line&gt;\n") != std::string::npos);
    CHECK(html.find("<tr><th>mode</th><th>split</th></tr>\n<tr><td>32-bit</td><td><strong>10/10/12</strong></td></tr>") !=
          std::string::npos);
    CHECK(html.find("<ol>\n<li>one</li>\n<li>two continued</li>\n</ol>") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html_escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

TEST_CASE("quiz answers: the count is checked, a malformed one is parse_answer's message", "[quiz][grade][web]") {
    const Quiz quiz = make_quiz(QuizOptions{&mode_2level(), 7, 2, false, true});
    const Answer truth0 = answer_of(question_walk(quiz, 0));
    const Answer truth1 = answer_of(question_walk(quiz, 1));
    const std::string both = answer_word(truth0) + "\n" + answer_word(truth1) + "\n";

    const auto good = grade_answer_text(quiz, both, "a.txt");
    REQUIRE(good);
    REQUIRE(good.value.size() == 2);
    CHECK(good.value[0].verdict.right);
    CHECK(good.value[1].verdict.right);

    CHECK(grade_answer_text(quiz, answer_word(truth0), "a.txt").error ==
          "a.txt:1: 1 answer for 2 questions (one line per question, in order)");
    CHECK(grade_answer_text(quiz, both + "gp\n", "a.txt").error == "a.txt:3: answer 3, but the quiz has 2 questions");
    CHECK(grade_answer_text(quiz, "banana\n", "a.txt").error ==
          "a.txt:1: expected 0xADDRESS, 'pf 0xCODE' or 'gp', not 'banana'");

    const auto typed = grade_typed_answer(quiz, 1, answer_word(truth1));
    REQUIRE(typed);
    CHECK(typed.value.right);
    CHECK(grade_typed_answer(quiz, 0, " banana ").error == "expected 0xADDRESS, 'pf 0xCODE' or 'gp', not 'banana'");
    const auto wrong = grade_typed_answer(quiz, 0, truth0.kind == AnswerKind::GeneralProtection ? "0x1000" : "gp");
    REQUIRE(wrong);
    CHECK_FALSE(wrong.value.right);
    CHECK_FALSE(wrong.value.hint.empty());
}
