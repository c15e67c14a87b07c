// `vmsim quiz`: a paging problem in the spirit of the OSTEP paging homework (paging-multilevel-
// translate.py): a small machine (CR3 and the tables' entries) and a few virtual addresses to
// translate, some of which fault. Pure: the same options give the same problem everywhere.
//
// Randomness is ours, specified here, so that a seed means the same problem with every compiler
// and standard library (std::uniform_int_distribution differs between libraries):
//   - SplitMix64 (Steele, Lea, Flood 2014): state += 0x9e3779b97f4a7c15, then the output mix
//     z = (z ^ z>>30) * 0xbf58476d1ce4e5b9; z = (z ^ z>>27) * 0x94d049bb133111eb; z ^ z>>31.
//     The state starts at the seed.
//   - below(n), a number in [0, n): draw x until x < 2^64 - (2^64 mod n), return x mod n
//     (rejection removes the modulo bias).
// Every choice the generator makes is one below() call, in the order the code makes them.
#pragma once

#include "machine.hpp"
#include "walk.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vmtour {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    std::uint64_t below(std::uint64_t n);  // n > 0
    bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }

private:
    std::uint64_t state_;
};

// What the questions ask (quiz_kinds.hpp has all but the first):
//   Translate  an access's physical address, #PF error code or #GP (the default)
//   Entry      the physical address of the entry the MMU reads at one level of a walk
//   Decode     a raw entry's meaning: the table or page frame it points to, and its flags
//   Cost       how many tables mapping a region of virtual memory needs (`vmsim cost`)
enum class QuizKind { Translate, Entry, Decode, Cost };

struct QuizOptions {
    const PagingMode* mode = nullptr;
    std::uint64_t seed = 1;
    unsigned count = 5;     // addresses to translate (1..16)
    bool huge = false;      // add large leaves: 4 MB (2-level) or 2 MB, and 1 GB in 4/5-level;
                            // at least one question is answered by one, and in 2-level one
                            // by a 4 MB page above 4 GiB (PSE-36)
    bool faults = false;    // permission faults: supervisor pages, read-only, XD, SMEP/SMAP,
                            // restricted directory entries, a reserved bit in a large page's
                            // entry, non-canonical addresses; at least one question of each
                            // fault kind (not present, permission, reserved bit, #GP in
                            // 4/5-level) as far as the count allows after question 1
    QuizKind kind = QuizKind::Translate;  // make_quiz ignores it; make_kind_quiz reads it
};

// What the generator meant a question to give, worked out from its own bookkeeping (which
// entries it made present, with which rights), not from the walker: the tests compare the two.
struct Outcome {
    bool ok = false;
    std::uint64_t pa = 0;                            // when ok
    FaultReason reason = FaultReason::NotPresent;    // when not ok
    int level = -1;                                  // the level the walk stops at; -1 for #GP
};

struct Question {
    std::uint64_t va = 0;
    Access access;
    Outcome intended;
    std::string kind;  // "mapped", "not present", "permission", "reserved bit", "pse-36",
                       // "non-canonical"
};

struct Quiz {
    QuizOptions options;
    Machine machine;
    std::vector<Question> questions;
};

// Throws std::invalid_argument for a missing mode or a count outside 1..16.
Quiz make_quiz(const QuizOptions& options);

// "user-mode write of 0x1337babe"
std::string question_text(const Question& q);
// "0xdeadbabe" or "#PF, error code 0x7 (...)" / "#GP" from a walk.
std::string answer_text(const Machine& m, const Walk& w);

}  // namespace vmtour
