// vmsim quiz: the generator is deterministic and specified, every question's intended answer is
// what the walker says, and the dumped machine gives the same walks through `vmsim translate`.
#include "bits.hpp"
#include "machine_file.hpp"
#include "quiz.hpp"
#include "render.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <set>
#include <string>
#include <unistd.h>

using namespace vmtour;

namespace {

struct Variant {
    bool huge, faults;
};
constexpr Variant VARIANTS[] = {{false, false}, {true, false}, {false, true}, {true, true}};

// A fault or a translation, in the terms both sides share.
std::string outcome(const Walk& w) {
    if (w.ok) return fmt::format("pa {:#x}", w.translation.pa);
    return fmt::format("fault reason {} level {} #GP {}", static_cast<int>(w.fault.reason), w.fault.level,
                       w.fault.general_protection);
}
std::string outcome(const Outcome& o) {
    if (o.ok) return fmt::format("pa {:#x}", o.pa);
    return fmt::format("fault reason {} level {} #GP {}", static_cast<int>(o.reason), o.level,
                       o.reason == FaultReason::NonCanonical);
}

std::string run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
    return out;
}

}  // namespace

TEST_CASE("SplitMix64 gives the published sequence and unbiased bounded numbers", "[quiz][rng]") {
    SplitMix64 r(0);
    CHECK(r.next() == 0xe220a8397b1dcdafULL);
    CHECK(r.next() == 0x6e789e6aa1b965f4ULL);
    CHECK(r.next() == 0x06c45d188009454fULL);
    SplitMix64 b(42);
    std::array<unsigned, 3> seen{};
    for (int i = 0; i < 3000; ++i) {
        const auto x = b.below(3);
        REQUIRE(x < 3);
        ++seen[x];
    }
    for (unsigned n : seen) CHECK(n > 900);
    CHECK(SplitMix64(5).below(1) == 0);
}

TEST_CASE("the same seed gives the same problem", "[quiz]") {
    for (const PagingMode* mode : all_modes()) {
        const QuizOptions o{mode, 12345, 8, true, true};
        const Quiz a = make_quiz(o), b = make_quiz(o);
        CHECK(dump_machine(a.machine) == dump_machine(b.machine));
        REQUIRE(a.questions.size() == 8);
        for (std::size_t i = 0; i < a.questions.size(); ++i) CHECK(question_text(a.questions[i]) == question_text(b.questions[i]));
        CHECK(dump_machine(make_quiz({mode, 12346, 8, true, true}).machine) != dump_machine(a.machine));
    }
}

TEST_CASE("for seeds 1-200 in every mode, the intended answers are the walker's, also after a dump", "[quiz][property]") {
    std::size_t kinds_ok = 0, kinds_fault = 0;
    for (const PagingMode* mode : all_modes())
        for (const Variant v : VARIANTS)
            for (std::uint64_t seed = 1; seed <= 200; ++seed) {
                const Quiz q = make_quiz({mode, seed, 6, v.huge, v.faults});
                const auto reread = parse_machine(dump_machine(q.machine), "dump");
                REQUIRE(reread);
                const Mmu mmu(q.machine), again(reread.value);
                for (const Question& question : q.questions) {
                    INFO(fmt::format("{} seed {} huge {} faults {}: {}", mode->key, seed, v.huge, v.faults, question_text(question)));
                    const Walk w = mmu.walk(question.va, question.access);
                    REQUIRE(outcome(w) == outcome(question.intended));
                    const Walk w2 = again.walk(question.va, question.access);
                    REQUIRE(outcome(w2) == outcome(w));
                    REQUIRE(w2.fault.error_code == w.fault.error_code);
                    (w.ok ? kinds_ok : kinds_fault)++;
                }
            }
    CHECK(kinds_ok > 1000);
    CHECK(kinds_fault > 1000);
}

TEST_CASE("every mode's problems have each kind of question", "[quiz]") {
    for (const PagingMode* mode : all_modes()) {
        std::set<std::string> kinds;
        std::set<int> np_levels;
        std::set<std::uint64_t> page_sizes;
        for (std::uint64_t seed = 1; seed <= 100; ++seed) {
            const Quiz q = make_quiz({mode, seed, 8, true, true});
            for (const Question& question : q.questions) {
                kinds.insert(question.kind);
                if (question.kind == "not present") np_levels.insert(question.intended.level);
                const Walk w = walk(q.machine, question.va, question.access);
                if (w.ok) page_sizes.insert(w.translation.page_size);
            }
        }
        INFO(mode->key);
        CHECK(kinds.count("mapped"));
        CHECK(kinds.count("not present"));
        CHECK(kinds.count("permission"));
        CHECK(kinds.count("non-canonical") == (mode->canonical ? 1u : 0u));
        CHECK(np_levels.size() == mode->level_count);  // not present at every level
        CHECK(page_sizes.size() == (mode->canonical ? 3u : 2u));
    }
}

TEST_CASE("the promises: with --huge a question a large page answers, with --faults a fault of each kind", "[quiz]") {
    // Judged by the walker, not by the generator's bookkeeping.
    for (const PagingMode* mode : all_modes()) {
        const std::size_t fault_kinds = mode->canonical ? 4 : 3;  // not present, permission, reserved, #GP
        for (std::uint64_t seed = 1; seed <= 300; ++seed)
            for (unsigned count : {1u, 3u, 5u, 8u})
                for (const Variant& v : VARIANTS) {
                    const Quiz q = make_quiz({mode, seed, count, v.huge, v.faults});
                    bool large = false, above_4g = false;
                    std::set<std::string> kinds;
                    for (const Question& question : q.questions) {
                        const Walk w = walk(q.machine, question.va, question.access);
                        large |= w.ok && w.translation.page_size > bits::PAGE_SIZE;
                        above_4g |= w.ok && w.translation.pa >> 32;
                        if (!w.ok)
                            kinds.insert(w.fault.reason == FaultReason::NotPresent     ? "not present"
                                         : w.fault.reason == FaultReason::NonCanonical ? "non-canonical"
                                         : w.fault.reason == FaultReason::ReservedBit  ? "reserved bit"
                                                                                       : "permission");
                    }
                    INFO(fmt::format("{} seed {} count {} huge {} faults {}", mode->key, seed, count, v.huge, v.faults));
                    const int room = static_cast<int>(count) - 1 - (v.huge ? 1 : 0);  // question 1 is mapped
                    if (v.huge) CHECK(large);
                    // 32-bit paging: a 4 MB page above 4 GiB through PSE-36's bits 39:32.
                    if (v.huge && mode->level[0].pse36 && count >= (v.faults ? 5u : 2u)) CHECK(above_4g);
                    if (v.faults && static_cast<int>(fault_kinds) <= room) CHECK(kinds.size() == fault_kinds);
                }
    }
}

TEST_CASE("vmsim quiz --solve agrees with vmsim translate --machine on the dumped machine", "[quiz][property][cli]") {
    char dir[] = "/tmp/vmtour-quiz-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string file = std::string(dir) + "/quiz.machine";
    for (const PagingMode* mode : all_modes())
        for (std::uint64_t seed = 1; seed <= 12; ++seed) {
            const std::string flags = seed % 2 ? " --huge --faults" : (seed % 3 ? " --faults" : "");
            const auto solved = nlohmann::json::parse(run(fmt::format("{} quiz --levels {} --seed {}{} --solve --json -o {}",
                                                                      VMSIM_PATH, mode->level_count, seed, flags, file)));
            // One `vmsim translate` per kind of access, with all of its questions' addresses
            // (each walk starts afresh: without --set-ad no walk changes the machine).
            std::map<std::string, std::vector<nlohmann::json>> by_access;
            for (const auto& q : solved["questions"]) {
                const std::string access = q["access"] == "read" ? "r" : q["access"] == "write" ? "w" : "x";
                by_access[fmt::format("-a {}{}", access, q["user"].get<bool>() ? "" : " --supervisor")].push_back(q);
            }
            for (const auto& [access, questions] : by_access) {
                std::string vas;
                for (const auto& q : questions) vas += " " + q["va"].get<std::string>();
                const auto walks = nlohmann::json::parse(
                    run(fmt::format("{} translate{} {} --machine {} --json", VMSIM_PATH, vas, access, file)))["walks"];
                REQUIRE(walks.size() == questions.size());
                for (std::size_t i = 0; i < questions.size(); ++i) {
                    auto answer = questions[i]["answer"];
                    auto direct = walks[i];
                    INFO(fmt::format("{} seed {}{}: {} {}", mode->key, seed, flags, questions[i]["va"].get<std::string>(),
                                     access));
                    answer.erase("machine");
                    direct.erase("machine");
                    CHECK(answer == direct);
                }
            }
        }
    std::remove(file.c_str());
    rmdir(dir);
}
