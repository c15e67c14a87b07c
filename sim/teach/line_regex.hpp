// The regular expressions of lesson checks (`check has|all|count ... REGEX`), matched in time
// linear in the line: a lesson file is input (a teacher's, or a fuzzer's), and std::regex
// backtracks, so a pattern such as `(a+)+b` or `.*.*.*.*x` takes exponential or high-polynomial
// time and libstdc++'s recursion can overflow the stack on a long line (fuzz_lessons found a
// pattern that ran for minutes).
//
// The syntax is the part of ECMAScript's that the lessons use, and everything else is refused
// with a one-line reason rather than read differently:
//   literals; `.` (any character but CR and LF); `[abc]`, `[a-z0-9]`, `[^...]`, with \d \w \s
//   and escaped characters inside; `^` and `$` (start and end of the line); groups `( )` and
//   `(?: )`; `|`; the greedy quantifiers `*`, `+`, `?`, `{N}`, `{N,}`, `{N,M}` with N, M <= 1000;
//   escapes \d \D \w \W \s \S \t and a backslash before any punctuation character.
//   Refused: back-references (\1), lazy quantifiers (`*?`), a quantifier on a quantifier (`a**`),
//   look-around (`(?=`), \b, and patterns that compile to more than 20,000 states.
//
// How: the pattern compiles to a Thompson NFA (Thompson 1968; Cox, "Regular Expression Matching
// Can Be Simple And Fast", 2007) that is run on all its states at once, one character at a time
// (a "Pike VM" without captures): each step visits each state at most once.
#pragma once

#include "parse.hpp"

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vmtour {

class LineRegex {
public:
    // The compiled pattern, or one line saying what in it is malformed or unsupported.
    static Parsed<LineRegex> compile(std::string_view pattern);

    bool match(std::string_view line) const { return run(line, false); }  // the whole line
    bool search(std::string_view line) const { return run(line, true); }  // anywhere in it

    // Limits (see above): counts in {N,M}, and the states a pattern may compile to.
    static constexpr unsigned MAX_COUNT = 1000;
    static constexpr std::size_t MAX_STATES = 20000;

    enum class Op : std::uint8_t { Char, Split, Jump, LineStart, LineEnd, Match };
    struct State {
        Op op = Op::Match;
        std::uint32_t a = 0;  // Char: the class's index; Split, Jump: the next state
        std::uint32_t b = 0;  // Split: the other next state (the first one is preferred)
    };

private:
    bool run(std::string_view line, bool anywhere) const;

    std::vector<State> states_;
    std::vector<std::bitset<256>> classes_;
};

}  // namespace vmtour
