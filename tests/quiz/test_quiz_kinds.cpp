// vmsim quiz --kind entry|decode|cost (sim/teach/quiz_kinds.hpp): the right answers are what the
// walker and an independent count say, they are graded right in any base, and the typical wrong
// answers get the hint that names the slip.
#include "bits.hpp"
#include "quiz_grade.hpp"
#include "quiz_kinds.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <functional>

using namespace vmtour;

namespace {

struct Variant {
    bool huge, faults;
};
constexpr Variant VARIANTS[] = {{false, false}, {true, false}, {false, true}, {true, true}};

KindQuiz make(const PagingMode& mode, std::uint64_t seed, QuizKind kind, Variant v = {}, unsigned count = 8) {
    return make_kind_quiz(QuizOptions{&mode, seed, count, v.huge, v.faults, kind});
}

KindVerdict graded(const KindQuiz& q, std::size_t i, const std::string& text) {
    const auto v = grade_kind_answer(q, i, text);
    INFO("answer '" << text << "': " << v.error);
    REQUIRE(v);
    return v.value;
}

// The first question of the first seed (for every mode) where `pick` holds; the test fails if
// no seed up to 200 has one.
void for_first(QuizKind kind, const std::function<bool(const KindQuiz&, std::size_t)>& pick,
               const std::function<void(const KindQuiz&, std::size_t)>& check, Variant v = {},
               bool xd_only = false) {
    for (const PagingMode* mode : all_modes()) {
        if (xd_only && !mode->has_xd) continue;
        bool found = false;
        for (std::uint64_t seed = 1; seed <= 200 && !found; ++seed) {
            const KindQuiz q = make(*mode, seed, kind, v);
            for (std::size_t i = 0; i < q.questions.size() && !found; ++i)
                if (pick(q, i)) {
                    INFO(mode->key << " seed " << seed << " question " << i + 1 << ": " << kind_question_text(q, i));
                    check(q, i);
                    found = true;
                }
        }
        INFO(mode->key);
        CHECK(found);
    }
}

}  // namespace

TEST_CASE("every kind is deterministic from the seed", "[quiz][kinds]") {
    for (QuizKind kind : {QuizKind::Entry, QuizKind::Decode, QuizKind::Cost})
        for (const PagingMode* mode : all_modes()) {
            const KindQuiz a = make(*mode, 11, kind), b = make(*mode, 11, kind), c = make(*mode, 12, kind);
            std::string ta, tb, tc;
            for (std::size_t i = 0; i < a.questions.size(); ++i) {
                ta += kind_question_text(a, i) + kind_answer(a, i);
                tb += kind_question_text(b, i) + kind_answer(b, i);
                tc += kind_question_text(c, i) + kind_answer(c, i);
            }
            CHECK(ta == tb);
            CHECK(ta != tc);
        }
    CHECK(parse_quiz_kind("decode") == QuizKind::Decode);
    CHECK(!parse_quiz_kind("walk"));
    CHECK(quiz_kind_name(QuizKind::Cost) == "cost");
}

TEST_CASE("entry: the answer is the walker's entry address, graded right in any base", "[quiz][kinds][entry]") {
    std::size_t asked = 0, none = 0;
    for (const PagingMode* mode : all_modes())
        for (std::uint64_t seed = 1; seed <= 30; ++seed)
            for (const Variant& v : VARIANTS) {
                const KindQuiz q = make(*mode, seed, QuizKind::Entry, v);
                const Mmu mmu(q.base.machine);
                for (std::size_t i = 0; i < q.questions.size(); ++i) {
                    const KindQuestion& k = q.questions[i];
                    const Question& t = q.base.questions[k.walk_question];
                    const Walk w = mmu.walk(t.va, t.access);
                    INFO(mode->key << " seed " << seed << " " << kind_question_text(q, i));
                    if (w.step_count == 0) {
                        ++none;
                        CHECK(kind_answer(q, i) == "none");
                        CHECK(graded(q, i, "none").right);
                        CHECK(graded(q, i, "0x1000").slip == "canonical");
                        continue;
                    }
                    REQUIRE(k.level < w.step_count);
                    const std::uint64_t want = w.steps[k.level].entry_addr;
                    ++asked;
                    CHECK(kind_answer(q, i) == fmt::format("{:#x}", want));
                    CHECK(graded(q, i, fmt::format("{:#x}", want)).right);
                    CHECK(graded(q, i, fmt::format("{}", want)).right);  // decimal
                    CHECK(graded(q, i, fmt::format("{:#X}", want)).right);
                    CHECK(graded(q, i, "none").slip == "reads");
                }
            }
    CHECK(asked > 1000);
    CHECK(none > 0);  // --faults asks about non-canonical addresses too
}

TEST_CASE("entry: typical wrong answers get the hint of their slip", "[quiz][kinds][entry]") {
    auto steps = [](const KindQuiz& q, std::size_t i) {
        return question_walk(q.base, q.questions[i].walk_question);
    };
    // Another step's entry.
    for_first(QuizKind::Entry, [&](const KindQuiz& q, std::size_t i) { return q.questions[i].level > 0; },
              [&](const KindQuiz& q, std::size_t i) {
                  const Walk w = steps(q, i);
                  const unsigned k = q.questions[i].level;
                  const KindVerdict v = graded(q, i, fmt::format("{:#x}", w.steps[k - 1].entry_addr));
                  CHECK(!v.right);
                  CHECK(v.slip == "other-step");
                  CHECK_THAT(v.hint, Catch::Contains(fmt::format("is step {}", k + 1)));
                  // The table's base, the index not added.
                  CHECK(graded(q, i, fmt::format("{:#x}", w.steps[k].table)).slip ==
                        (w.steps[k].index == 0 ? "" : "table-base"));
              });
    // The index not scaled by the entry size; the entry's contents for its address.
    for_first(QuizKind::Entry,
              [&](const KindQuiz& q, std::size_t i) {
                  const Walk w = steps(q, i);
                  return w.step_count > 0 && w.steps[q.questions[i].level].index > 1 &&
                         w.steps[q.questions[i].level].raw != 0;
              },
              [&](const KindQuiz& q, std::size_t i) {
                  const Walk w = steps(q, i);
                  const Step& s = w.steps[q.questions[i].level];
                  const KindVerdict v = graded(q, i, fmt::format("{:#x}", s.table + s.index));
                  CHECK(v.slip == "entry-size");
                  CHECK_THAT(v.hint, Catch::Contains("times"));
                  CHECK(graded(q, i, fmt::format("{:#x}", s.raw)).slip == "entry-value");
                  const unsigned other = s.index == 1 ? 2 : 1;
                  CHECK(graded(q, i, fmt::format("{:#x}", s.table + other * q.options.mode->entry_size)).slip ==
                        "wrong-index");
              });
}

// A machine whose walk of VA 0 reads `raw` at `level`: a chain of tables from CR3 at 0x1000.
Machine chain(const PagingMode& mode, unsigned level, std::uint64_t raw) {
    Machine m;
    m.mode = &mode;
    m.ctl.cr3 = 0x1000;
    for (unsigned l = 0; l < level; ++l) {
        const std::uint64_t up = mode.level[l].pdpte_pae ? bits::bit(bits::P) : bits::bit(bits::P) | 2 | 4;
        REQUIRE(m.mem.write_entry(0x1000 * (l + 1), mode.entry_size, 0x1000 * (l + 2) | up));
    }
    REQUIRE(m.mem.write_entry(0x1000 * (level + 1), mode.entry_size, raw));
    return m;
}

TEST_CASE("decode: the answer is what the walker makes of the entry", "[quiz][kinds][decode]") {
    std::size_t tables = 0, frames = 0, large = 0, absent = 0;
    for (const PagingMode* mode : all_modes())
        for (std::uint64_t seed = 1; seed <= 60; ++seed) {
            const KindQuiz q = make(*mode, seed, QuizKind::Decode);
            for (std::size_t i = 0; i < q.questions.size(); ++i) {
                const KindQuestion& k = q.questions[i];
                INFO(mode->key << " seed " << seed << " " << kind_question_text(q, i));
                const Machine m = chain(*mode, k.level, k.raw);
                const Mmu mmu(m);
                REQUIRE(mmu.cr3_fault() == nullptr);
                const Walk w = mmu.walk(0, Access{AccessType::Read, false});
                const DecodedEntry e = decode_entry(*mode, k.level, k.raw);
                REQUIRE(w.step_count >= k.level + 1);  // a table pointer leads on to the next table
                const Step& s = w.steps[k.level];
                CHECK(s.kind != StepKind::Reserved);  // the generator makes entries the CPU accepts
                switch (e.points) {
                case DecodedEntry::Points::NotPresent:
                    ++absent;
                    CHECK(s.kind == StepKind::NotPresent);
                    break;
                case DecodedEntry::Points::Table:
                    ++tables;
                    CHECK(s.kind == StepKind::Table);
                    CHECK(s.next == e.address);
                    break;
                case DecodedEntry::Points::Frame:
                    ++frames;
                    large += k.level + 1 < mode->level_count;
                    CHECK(s.kind == StepKind::Leaf);
                    CHECK(w.ok);
                    CHECK(w.translation.pa == e.address);
                    CHECK(w.translation.page_size == e.page_size);
                    break;
                }
                // The flags named are set in the entry (PAT at bit 7 of a PTE), and R/W, U/S are
                // what the walk's permissions say.
                for (unsigned b : e.flags) {
                    const unsigned at = b == bits::PAT_LARGE && k.level + 1 == mode->level_count ? bits::PAT_4K : b;
                    CHECK(bits::test(k.raw, at));
                }
                auto has = [&](unsigned b) { return std::find(e.flags.begin(), e.flags.end(), b) != e.flags.end(); };
                if (e.points != DecodedEntry::Points::NotPresent && !mode->level[k.level].pdpte_pae) {
                    CHECK(has(bits::RW) == s.perms.writable);
                    CHECK(has(bits::US) == s.perms.user);
                }
                const std::string right = kind_answer(q, i);
                CHECK(graded(q, i, right).right);
                // Forgiving: lower case, flags reversed, the address in decimal.
                if (e.points != DecodedEntry::Points::NotPresent) {
                    std::string flags;
                    for (auto it = e.flags.rbegin(); it != e.flags.rend(); ++it) flags += " " + std::string(decode_flag_name(*it));
                    const std::string word = e.points == DecodedEntry::Points::Table ? "table" : "frame";
                    std::string typed = fmt::format("{} {}{}", word, e.address, flags);
                    for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    CHECK(graded(q, i, typed).right);
                }
            }
        }
    CHECK(tables > 50);
    CHECK(frames > 50);
    CHECK(large > 10);
    CHECK(absent > 5);
}

TEST_CASE("decode: each wrong part gets its own hint", "[quiz][kinds][decode]") {
    using P = DecodedEntry::Points;
    auto entry = [](const KindQuiz& q, std::size_t i) {
        return decode_entry(*q.options.mode, q.questions[i].level, q.questions[i].raw);
    };
    auto flags_of = [](const DecodedEntry& e, unsigned skip = 99) {
        std::string out;
        for (unsigned b : e.flags)
            if (b != skip) out += " " + std::string(decode_flag_name(b));
        return out;
    };
    // A large page taken for a table pointer: the brief's example hint.
    for_first(QuizKind::Decode,
              [&](const KindQuiz& q, std::size_t i) {
                  return entry(q, i).points == P::Frame && q.questions[i].level + 1 < q.options.mode->level_count;
              },
              [&](const KindQuiz& q, std::size_t i) {
                  const DecodedEntry e = entry(q, i);
                  const KindVerdict v = graded(q, i, fmt::format("table {:#x}{}", e.address, flags_of(e)));
                  CHECK(v.slip == "ps-missed");
                  CHECK_THAT(v.hint, Catch::StartsWith(fmt::format("bit 7 (PS) is set: this {} maps a {} page",
                                                                   q.options.mode->level[q.questions[i].level].entry,
                                                                   format_size(e.page_size))));
              });
    // A table pointer taken for a page; a flag left out; a flag that is clear.
    for_first(QuizKind::Decode,
              [&](const KindQuiz& q, std::size_t i) {
                  return entry(q, i).points == P::Table && q.options.mode->level[q.questions[i].level].large_leaf;
              },
              [&](const KindQuiz& q, std::size_t i) {
                  const DecodedEntry e = entry(q, i);
                  const KindVerdict v = graded(q, i, fmt::format("frame {:#x}{}", e.address, flags_of(e)));
                  CHECK(v.slip == "ps-clear");
                  CHECK_THAT(v.hint, Catch::Contains("bit 7 (PS) is clear"));
                  const KindVerdict f = graded(q, i, fmt::format("table {:#x}{}", e.address, flags_of(e, bits::P)));
                  CHECK(f.slip == "flags");
                  CHECK(f.hint == "flags: P (bit 0) is set");
                  const bool has_pcd = std::count(e.flags.begin(), e.flags.end(), bits::PCD);
                  if (!has_pcd)
                      CHECK(graded(q, i, fmt::format("table {:#x}{} PCD", e.address, flags_of(e))).hint ==
                            "flags: PCD (bit 4) is clear");
              });
    // Bit 7 of a PTE is PAT.
    for_first(QuizKind::Decode,
              [&](const KindQuiz& q, std::size_t i) {
                  const DecodedEntry e = entry(q, i);
                  return q.questions[i].level + 1 == q.options.mode->level_count &&
                         std::count(e.flags.begin(), e.flags.end(), bits::PAT_LARGE);
              },
              [&](const KindQuiz& q, std::size_t i) {
                  const DecodedEntry e = entry(q, i);
                  const KindVerdict v = graded(q, i, fmt::format("frame {:#x}{} PS", e.address, flags_of(e, bits::PAT_LARGE)));
                  CHECK(v.hint == "flags: bit 7 of a PTE is PAT, not PS");
                  CHECK_THAT(graded(q, i, fmt::format("table {:#x}{}", e.address, flags_of(e))).hint,
                             Catch::StartsWith("a PTE always maps a 4K page (its bit 7 is PAT, not PS)"));
              });
    // Not present.
    for_first(QuizKind::Decode, [&](const KindQuiz& q, std::size_t i) { return entry(q, i).points == P::NotPresent; },
              [&](const KindQuiz& q, std::size_t i) {
                  CHECK(graded(q, i, "NOT PRESENT").right);
                  CHECK(graded(q, i, "frame 0x1000 P").slip == "not-present");
              });
}

TEST_CASE("decode: PSE-36 and the XD bit are not address bits", "[quiz][kinds][decode]") {
    const PagingMode& m2 = mode_2level();
    bool found = false;
    for (std::uint64_t seed = 1; seed <= 300 && !found; ++seed) {
        const KindQuiz q = make(m2, seed, QuizKind::Decode);
        for (std::size_t i = 0; i < q.questions.size() && !found; ++i) {
            const DecodedEntry e = decode_entry(m2, q.questions[i].level, q.questions[i].raw);
            if (e.points != DecodedEntry::Points::Frame || e.address < (std::uint64_t{1} << 32)) continue;
            found = true;
            INFO(kind_question_text(q, i));
            std::string flags;
            for (unsigned b : e.flags) flags += " " + std::string(decode_flag_name(b));
            const KindVerdict v = graded(q, i, fmt::format("frame {:#x}{}", e.address & 0xffffffff, flags));
            CHECK_THAT(v.hint, Catch::Contains("PSE-36"));
        }
    }
    CHECK(found);
    for_first(QuizKind::Decode,
              [](const KindQuiz& q, std::size_t i) {
                  return bits::test(q.questions[i].raw, bits::XD) && bits::test(q.questions[i].raw, bits::P) &&
                         q.questions[i].level + 1 == q.options.mode->level_count;
              },
              [](const KindQuiz& q, std::size_t i) {
                  const KindVerdict v = graded(q, i, fmt::format("frame {:#x} P", q.questions[i].raw & ~std::uint64_t{0xfff}));
                  CHECK_THAT(v.hint, Catch::Contains("bit 63 is XD"));
              },
              {}, true);
}

TEST_CASE("cost: the answer is the number of tables the region touches at every level", "[quiz][kinds][cost]") {
    for (const PagingMode* mode : all_modes())
        for (std::uint64_t seed = 1; seed <= 40; ++seed)
            for (bool huge : {false, true}) {
                const KindQuiz q = make(*mode, seed, QuizKind::Cost, {huge, false});
                for (std::size_t i = 0; i < q.questions.size(); ++i) {
                    const Region& r = q.questions[i].region;
                    INFO(mode->key << " seed " << seed << " " << kind_question_text(q, i));
                    REQUIRE(r.size > 0);
                    REQUIRE(r.start % r.page_size == 0);
                    // Independently of cost.cpp: a table of level l covers an aligned block of
                    // 2^(shift + bits) bytes; the region touches (last block - first block + 1) of
                    // them at every level above its leaves.
                    std::uint64_t want = 0;
                    for (const LevelDesc& d : mode->levels()) {
                        const unsigned cover = d.shift + d.bits;
                        if ((std::uint64_t{1} << cover) <= r.page_size) break;
                        want += cover >= 64 ? 1 : ((r.start + r.size - 1) >> cover) - (r.start >> cover) + 1;
                    }
                    CHECK(kind_answer(q, i) == fmt::format("{}", want));
                    CHECK(graded(q, i, fmt::format("{}", want)).right);
                    CHECK(graded(q, i, fmt::format("{:#x}", want)).right);
                    CHECK(graded(q, i, fmt::format("{}", want - 1)).slip == "top-missed");
                    CHECK(!graded(q, i, fmt::format("{}", want + 1)).right);
                }
            }
}

TEST_CASE("cost: typical wrong counts get the hint of their slip", "[quiz][kinds][cost]") {
    for_first(QuizKind::Cost,
              [](const KindQuiz& q, std::size_t i) {
                  const ModeCost c = kind_cost(*q.options.mode, q.questions[i].region);
                  return q.questions[i].region.page_size == 4096 && c.levels.back().tables > 2;
              },
              [](const KindQuiz& q, std::size_t i) {
                  const ModeCost c = kind_cost(*q.options.mode, q.questions[i].region);
                  const KindVerdict v = graded(q, i, fmt::format("{}", c.levels.back().tables));
                  // In 2-level paging the tables above the PTs are the one PD.
                  CHECK(v.slip == (q.options.mode->level_count == 2 ? "top-missed" : "bottom-only"));
              });
    for_first(QuizKind::Cost,
              [](const KindQuiz& q, std::size_t i) { return q.questions[i].region.page_size > 4096; },
              [](const KindQuiz& q, std::size_t i) {
                  Region small = q.questions[i].region;
                  small.page_size = 4096;
                  std::uint64_t n = 0;
                  for (const LevelCost& l : kind_cost(*q.options.mode, small).levels) n += l.tables;
                  const KindVerdict v = graded(q, i, fmt::format("{}", n));
                  CHECK(v.slip == "large-pages");
                  CHECK_THAT(v.hint, Catch::Contains("no tables below them"));
              },
              {true, false});
}

TEST_CASE("kinds: malformed answers and answer files are one-line errors", "[quiz][kinds][answers]") {
    const KindQuiz e = make(mode_4level(), 3, QuizKind::Entry, {}, 2);
    CHECK(grade_kind_answer(e, 0, "the pde").error == "expected the entry's address (0x...) or 'none', not 'the pde'");
    CHECK(grade_kind_answer(e, 0, "  ").error == "an empty answer");
    const KindQuiz d = make(mode_4level(), 3, QuizKind::Decode, {}, 2);
    CHECK(grade_kind_answer(d, 0, "table").error == "'table' needs the address it points to");
    CHECK(grade_kind_answer(d, 0, "0x1000 P").error ==
          "expected 'table 0xADDRESS FLAGS', 'frame 0xADDRESS FLAGS' or 'not present'");
    CHECK(grade_kind_answer(d, 0, "table 0x1000 P dirty").error ==
          "'dirty' is neither an address nor a flag (P RW US PWT PCD A D PS PAT G XD)");
    CHECK(grade_kind_answer(d, 0, "table frame 0x1000").error == "one of 'table' or 'frame', not both");
    const KindQuiz c = make(mode_4level(), 3, QuizKind::Cost, {}, 2);
    CHECK(grade_kind_answer(c, 0, "five").error == "expected a number of tables, not 'five'");

    CHECK(grade_kind_answer_text(c, "# mine\n5\n\n7 # two\n", "a.txt"));
    CHECK(grade_kind_answer_text(c, "5\nfive\n", "a.txt").error == "a.txt:2: expected a number of tables, not 'five'");
    CHECK(grade_kind_answer_text(c, "5\n", "a.txt").error ==
          "a.txt:1: 1 answer for 2 questions (one line per question, in order)");
    CHECK(grade_kind_answer_text(c, "5\n6\n7\n", "a.txt").error == "a.txt:3: answer 3, but the quiz has 2 questions");
}
