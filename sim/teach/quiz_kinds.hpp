// The quiz's other kinds of question (`vmsim quiz --kind entry|decode|cost`), each seeded and
// graded with a hint per wrong part. Pure: no printing, no input; quiz_text.hpp shows them.
//
//   entry   "the PDE read by a user-mode read of 0x8bd9fde6913": the entry's physical address
//           (`0x6702ff0`), or `none` when the walk never reads it (#GP before any table).
//           The machine and the accesses are the translate quiz's of the same options.
//   decode  "a PDE of 4-level paging holds 0x80000000bfe000e7": what it points to and its flags,
//           `table 0xADDRESS FLAGS`, `frame 0xADDRESS FLAGS` or `not present` (flags from
//           P RW US PWT PCD A D PS PAT G XD; R/W, U/S and NX spelt so too; any order and case).
//   cost    "0x400000-0x7fffff (4M) with 4K pages": how many tables that region needs at every
//           level, the top one included, as `vmsim cost` counts them (cost.hpp): a number.
// Numbers in any base the learner types (0x1f, 31, 0b11111), as lesson answers (lesson_answer.hpp).
//
// Randomness: each kind draws its choices from its own SplitMix64 (quiz.hpp) started at the seed,
// one below() call per choice in the order the code makes them; `entry` first makes the translate
// quiz of the same options (with its own generator), then picks a step of each walk.
#pragma once

#include "cost.hpp"
#include "parse.hpp"
#include "quiz.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// "translate", "entry", "decode", "cost"
std::string_view quiz_kind_name(QuizKind k);
std::optional<QuizKind> parse_quiz_kind(std::string_view name);

struct KindQuestion {
    // entry: question `walk_question` of the translate quiz, the entry at `level`; decode: a
    // `raw` entry at `level`; cost: `region`.
    std::size_t walk_question = 0;
    unsigned level = 0;
    std::uint64_t raw = 0;
    Region region{0, 0};
};

struct KindQuiz {
    QuizOptions options;  // options.kind says which kind
    Quiz base;            // entry: the translate quiz whose walks are asked about; else its machine only
    std::vector<KindQuestion> questions;
};

// Throws std::invalid_argument as make_quiz does; options.kind must not be Translate.
KindQuiz make_kind_quiz(const QuizOptions& options);

// "the PDE read by a user-mode read of 0x1337babe", "a PDE (level 3 of 4) holding 0x...",
// "0x400000-0x7fffff (4M) with 4K pages".
std::string kind_question_text(const KindQuiz& q, std::size_t i);
// The right answer, spelt as a learner would write it ("0x6702ff0", "frame 0x40000000 P RW PS").
std::string kind_answer(const KindQuiz& q, std::size_t i);

struct KindVerdict {
    bool right = false;
    std::string expected;  // kind_answer()
    std::string slip;      // a stable name for what was wrong ("other-step", "ps-missed", ...)
    std::string hint;      // what was wrong, part by part, without the whole answer
};

// One typed answer to question `i`; a malformed one is a one-line error.
Parsed<KindVerdict> grade_kind_answer(const KindQuiz& q, std::size_t i, std::string_view text);

struct KindGraded {
    std::string given;  // the answer as typed (comment and spaces removed)
    unsigned line = 0;
    KindVerdict verdict;
};
// An answer file: one answer a line, in order; '#' starts a comment, blank lines are skipped.
// Errors are one line, "NAME:LINE: reason" (malformed, or more or fewer answers than questions).
Parsed<std::vector<KindGraded>> grade_kind_answer_text(const KindQuiz& q, std::string_view text, std::string_view name);

// The hints `quiz --ask` shows one at a time; the last gives the answer.
std::vector<std::string> kind_hints(const KindQuiz& q, std::size_t i);

// What a decode question's entry means, for hints and the solution.
struct DecodedEntry {
    enum class Points { NotPresent, Table, Frame } points = Points::NotPresent;
    std::uint64_t address = 0;     // the next table or the page frame
    std::uint64_t page_size = 0;   // Frame: 4K, 2M, 4M or 1G
    std::vector<unsigned> flags;   // the flags set, by bits.hpp's positions, PAT always as bit 12
                                   // (in a PTE it is bit 7: the same flag, another place)
    unsigned addr_high = 0, addr_low = 0;  // the entry bits that hold the address
};
DecodedEntry decode_entry(const PagingMode& mode, unsigned level, std::uint64_t raw);
// A flag's name as answers write it: "P", "RW", "US", "PWT", "PCD", "A", "D", "PS" (7), "G",
// "PAT" (12), "XD".
std::string_view decode_flag_name(unsigned bit);
// The entry explained one fact a line (P, what it points to, the address bits, the flags): the
// ladder of `--ask` hints and the solution.
std::vector<std::string> decode_explained(const PagingMode& mode, unsigned level, std::uint64_t raw);
// format_size with petabytes too: a PML5 table covers 128P.
std::string span_size(std::uint64_t bytes);
// Tables per level for a cost question, top first.
ModeCost kind_cost(const PagingMode& mode, const Region& r);

}  // namespace vmtour
