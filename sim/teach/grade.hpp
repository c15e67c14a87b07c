// Grading a learner's answer to "translate this access": the quiz's answer files, `quiz --ask`,
// and the walker lab's grader all compare an answer with the walker's recorded steps here, and
// name the first step where the two part, with a hint of the rule that was broken.
//
// How the step is found: a *model walk* (model_walk.hpp) walks the same tables the way a learner
// with one misconception would (PS ignored, U/S not ANDed, 10-bit indices, ...). The first model
// whose answer is the learner's answer names the mistake, and the first step where its walk leaves
// the true walk is the step to look at. When no model explains the answer, the hint says what
// kind of answer was expected (a fault or an address) and where the true walk ends.
//
// Pure: no printing, no input; the command line, the terminal session and a web page share it.
#pragma once

#include "machine.hpp"
#include "parse.hpp"
#include "walk.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// An answer as people and walkers write it: "0x1234", "pf 0x7" or "gp".
enum class AnswerKind { Address, PageFault, GeneralProtection };
struct Answer {
    AnswerKind kind = AnswerKind::Address;
    std::uint64_t value = 0;  // the physical address, or the #PF error code
    unsigned line = 0;        // where it was read (answer files)
    bool operator==(const Answer& o) const { return kind == o.kind && value == o.value; }
};

// One answer without comment: "0x1f3a", "pf 0x5", "PF 5", "gp", "#gp" (case and spaces forgiven).
Parsed<Answer> parse_answer(std::string_view text);
// An answer file: one answer a line; '#' starts a comment; blank lines are skipped.
// Errors are one line, "NAME:LINE: reason".
Parsed<std::vector<Answer>> parse_answers(std::string_view text, std::string_view name);
// The true answer of a walk, and the canonical spelling of an answer ("0x1f3a", "pf 0x5", "gp").
Answer answer_of(const Walk& w);
std::string answer_word(const Answer& a);

// Which misconception explains a wrong answer (model_walk.hpp makes each one).
enum class Slip {
    None,            // the answer is right, or no model explains it
    Offset,          // the page offset was not copied from the low bits of the VA
    Index,           // a wrong index at some level
    WideIndex,       // 10-bit indices where the mode has 9 (PAE / 64-bit written like 32-bit paging)
    EntrySize,       // the entry address computed with the wrong entry size
    IgnorePs,        // a PS=1 entry taken for a pointer to a table (missed a large page)
    PseWithoutCr4,   // PS honoured in 32-bit paging although CR4.PSE=0
    Pse36,           // PSE-36's physical bits 39:32 of a 4 MB page left out
    UsNotAnded,      // only the leaf's U/S looked at
    RwNotAnded,      // only the leaf's R/W looked at
    XdIgnored,       // XD not checked for instruction fetches
    Canonical,       // no #GP for a non-canonical address, or #GP for a canonical one
    Reserved,        // a reserved bit not noticed (or seen where there is none)
    SmepSmap,        // CR4.SMEP / CR4.SMAP not applied
    Wp,              // CR0.WP's effect on supervisor writes
    FaultMissed,     // an address given where the walk faults
    NoFault,         // a fault given where the access succeeds
    ErrorCode,       // the right fault, a wrong #PF error-code bit
    Unexplained,     // wrong, and no model gives this answer
};
std::string_view slip_name(Slip s);  // "ignore-ps", "us-not-anded", ... (stable: tests grep them)

struct Verdict {
    bool right = false;
    Answer expected;
    Slip slip = Slip::None;
    int step = -1;     // 0-based step of the true walk where the answers part; -1: before any
    std::string hint;  // one or two sentences, without the answer itself
};

Verdict grade(const Machine& m, const Walk& truth, const Answer& given);

// The walk as a ladder of hints, one per step and one for the outcome: what `hint` shows next in
// `quiz --ask`. The last one gives the answer.
std::vector<std::string> walk_hints(const Machine& m, const Walk& truth);

}  // namespace vmtour
