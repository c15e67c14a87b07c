// What the web page shows from the library: lesson Markdown as HTML, and quiz answers graded as
// `vmsim quiz --answer` grades them; vmreal's pages as runs of frames (vmreal --svg).
#include "markdown_html.hpp"
#include "quiz_grade.hpp"
#include "svg.hpp"

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

TEST_CASE("vmreal's pages as runs: scattered, one block, 2 MiB huge pages, unknown frames", "[svg][frames]") {
    constexpr std::uint64_t VA0 = 0x7f0000000000, M2 = 2 << 20;
    std::vector<FramePage> pages;
    // 512 pages mapping one 2 MiB-aligned frame, then 3 consecutive frames, then a jump, then
    // a page without a frame.
    for (std::uint64_t i = 0; i < 512; ++i) pages.push_back({VA0 + i * 4096, 0x40000000 + i * 4096});
    for (std::uint64_t i = 0; i < 3; ++i) pages.push_back({VA0 + M2 + i * 4096, 0x1000 + i * 4096});
    pages.push_back({VA0 + M2 + 3 * 4096, 0x9000});
    pages.push_back({VA0 + M2 + 4 * 4096, std::nullopt});
    const auto runs = frame_runs(pages);
    REQUIRE(runs.size() == 3);
    CHECK((runs[0].first == 0 && runs[0].count == 512 && runs[0].huge));
    CHECK((runs[1].first == 512 && runs[1].count == 3 && !runs[1].huge));
    CHECK((runs[2].first == 515 && runs[2].count == 1));
    // The same 512 frames one page off the 2 MiB boundary are a run but not a huge page.
    for (auto& p : pages) p.pa = p.pa ? std::optional(*p.pa + 4096) : std::nullopt;
    CHECK_FALSE(frame_runs(pages)[0].huge);
    const std::string svg = svg_frames(pages, "test");
    CHECK(svg.find(R"(data-pages="517" data-known="516" data-runs="3" data-longest="512" data-huge-pages="0")") !=
          std::string::npos);
    CHECK(svg.find("scattered: 3 runs of consecutive frames, the longest 512 pages") != std::string::npos);
}
