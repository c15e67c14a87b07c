// The lesson checks' regular expressions (sim/teach/line_regex.hpp): the same answers as
// ECMAScript std::regex on the syntax both accept, one-line reasons for what is refused, and
// linear time on the patterns that make a backtracking matcher run for minutes.
#include "line_regex.hpp"
#include "quiz.hpp"  // SplitMix64: seeded patterns, the same on every run

#include <catch2/catch.hpp>

#include <regex>
#include <string>

using vmtour::LineRegex;

namespace {

LineRegex compiled(const std::string& pattern) {
    auto r = LineRegex::compile(pattern);
    INFO(pattern << ": " << r.error);
    REQUIRE(r);
    return r.value;
}

std::string error_of(const std::string& pattern) { return LineRegex::compile(pattern).error; }

// Both matchers on one pattern and line: match (whole line) and search (anywhere).
void agree(const std::string& pattern, const std::string& line) {
    const LineRegex ours = compiled(pattern);
    const std::regex theirs(pattern);
    INFO("pattern " << pattern << " line '" << line << "'");
    CHECK(ours.match(line) == std::regex_match(line, theirs));
    CHECK(ours.search(line) == std::regex_search(line, theirs));
}

// A random pattern over {a, b} from the supported syntax, at most `depth` groups deep.
std::string random_pattern(vmtour::SplitMix64& rng, int depth) {
    std::string p;
    const auto parts = 1 + rng.below(4);
    for (std::uint64_t i = 0; i < parts; ++i) {
        switch (rng.below(depth > 0 ? 7 : 5)) {
        case 0: p += 'a'; break;
        case 1: p += 'b'; break;
        case 2: p += '.'; break;
        case 3: p += rng.chance(1, 2) ? "[ab]" : "[^a]"; break;
        case 4: p += rng.chance(1, 2) ? "^" : "$"; continue;  // anchors take no quantifier
        case 5: p += "(" + random_pattern(rng, depth - 1) + ")"; break;
        default: p += "(?:" + random_pattern(rng, depth - 1) + "|" + random_pattern(rng, depth - 1) + ")"; break;
        }
        static const char* const quantifiers[] = {"", "", "*", "+", "?", "{2}", "{0,2}", "{1,}"};
        p += quantifiers[rng.below(8)];
    }
    return p;
}

}  // namespace

TEST_CASE("line_regex: the lessons' own patterns match as ECMAScript does", "[line_regex]") {
    agree("^(# .*|0x[0-9a-f]+ [.XR*xr+?]{4})$", "0x1000 .X*?");
    agree("^(# .*|0x[0-9a-f]+ [.XR*xr+?]{4})$", "# a comment");
    agree("^(# .*|0x[0-9a-f]+ [.XR*xr+?]{4})$", "0x1000 .X*");
    agree("^VA=0x[0-9a-f]{16} -> PA=0x[0-9a-f]{16}$", "VA=0x00007f0000001000 -> PA=0x0000000123456000");
    agree("^VA=0x[0-9a-f]{16} -> PA=0x[0-9a-f]{16}$", "VA=0x00007f000001000 -> PA=0x0000000123456000");
    agree("^  page tables +VmPTE [0-9]+ kB before, [0-9]+ kB after: \\+(16|20|24) kB$",
          "  page tables   VmPTE 12 kB before, 32 kB after: +20 kB");
    agree("^  vmsim cost +4level: PML4 1, PDPT 1, PD [12], PT 4 = .*", "  vmsim cost  4level: PML4 1, PDPT 1, PD 2, PT 4 = 32K");
    agree("^tables needed: PML4 1, PDPT 1, PD 1, PT 1 \\(16 KiB\\)$", "tables needed: PML4 1, PDPT 1, PD 1, PT 1 (16 KiB)");
    agree("^ +4096 +16M", "   4096   16M  x");
    agree("^mode (2level|pae|4level|5level)$", "mode pae");
    agree("^mode (2level|pae|4level|5level)$", "mode pae2");
    agree("\\d+\\s\\w\\W\\S\\D", "x 12 a-b!z");
    agree("[\\d.]+[^\\s]", "1.2.3x");
    agree("[]a]", "]");  // ECMAScript: [] is an empty class, then a literal ]
    agree("a{0}b", "b");
    agree("", "anything");
    agree("(a*)*b", "aaab");
    agree("(|a)+$", "aa");
}

TEST_CASE("line_regex: seeded random patterns agree with std::regex on every line over {a, b}", "[line_regex]") {
    vmtour::SplitMix64 rng(5204);
    for (int p = 0; p < 400; ++p) {
        const std::string pattern = random_pattern(rng, 2);
        for (int l = 0; l < 12; ++l) {
            std::string line;
            for (std::uint64_t n = rng.below(7); n > 0; --n) line += "abc"[rng.below(3)];
            agree(pattern, line);
        }
    }
}

TEST_CASE("line_regex: what it refuses, with the place and the reason", "[line_regex]") {
    CHECK(error_of("(0)\\1") == "character 4: back-references (\\1 ...) are not supported");
    CHECK(error_of("a*?") == "character 3: '?' after a quantifier: lazy (*?) and repeated (a**) quantifiers are not supported");
    CHECK(error_of("a+**") == "character 3: '*' after a quantifier: lazy (*?) and repeated (a**) quantifiers are not supported");
    CHECK(error_of("x{1001}") == "character 2: a count above 1000");
    CHECK(error_of("x{1,99999999999999999999}") == "character 2: a count above 1000");
    CHECK(error_of("x{3,2}") == "character 2: the count {3,2} has its maximum below its minimum");
    CHECK(error_of("x{a}") == "character 2: '{' starts a count {N}, {N,} or {N,M} (write \\{ for the character)");
    CHECK(error_of("*x") == "character 1: '*' has nothing before it to repeat");
    CHECK(error_of("a|+") == "character 3: '+' has nothing before it to repeat");
    CHECK(error_of("^*") == "character 2: '*' repeats an anchor (^ or $)");
    CHECK(error_of("(?=a)") == "character 1: '(?' groups other than (?: (look-around) are not supported");
    CHECK(error_of("ab(c") == "character 3: '(' without a ')' after it");
    CHECK(error_of("ab)c") == "character 3: ')' without a '(' before it");
    CHECK(error_of("x[a-") == "character 2: '[' without a ']' after it");
    CHECK(error_of("[z-a]") == "character 5: the range z-a is out of order");
    CHECK(error_of("\\bword") == "character 1: '\\b' is not supported");
    CHECK(error_of("a\\") == "character 2: '\\' at the end of the pattern");
    CHECK(error_of(std::string(101, '(') + std::string(101, ')')) == "character 101: groups nested deeper than 100");
    CHECK(error_of("(((a{1000}){1000}){1000})") == "the pattern is too large (more than 20000 states; smaller counts?)");
    CHECK(error_of(std::string(100, '(') + "a" + std::string(100, ')')).empty());
}

TEST_CASE("line_regex: patterns that make a backtracking matcher explode finish with the right answer",
          "[line_regex]") {
    // Exponential for backtracking: (a+)+b on a's with no b. The last one is the shape of the
    // pattern with which fuzz_lessons timed std::regex out (stacked quantifiers on a long line).
    const std::string as(5000, 'a');
    CHECK_FALSE(compiled("(a+)+b").search(as));
    CHECK(compiled("(a+)+b").search(as + "b"));
    CHECK_FALSE(compiled("^(a|aa)*c$").match(as));
    CHECK_FALSE(compiled(".*.*.*.*.*.*.*.*.*.*x").search(as));
    CHECK(compiled("^vmtour-machine 0x[0-9a-f]+ (.+)*(.*)+level|pae(.)+(.*)*walk$").search("pae" + as + "walk"));
    // A long line does not overflow the stack (libstdc++'s matcher recurses per character).
    CHECK(compiled("^(ab|a)*$").match(std::string(1'000'000, 'a')));
}
