// Grading (sim/teach/grade.hpp): answers are parsed strictly, the model walk without a slip is the
// Mmu's walk, and each slip is named where it happens.
#include "grade.hpp"
#include "grade_cases.hpp"
#include "machine_file.hpp"
#include "model_walk.hpp"
#include "quiz.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace vmtour;

namespace {

constexpr Access EVERY_ACCESS[] = {{AccessType::Read, true},      {AccessType::Write, true},
                                   {AccessType::Execute, true},   {AccessType::Read, false},
                                   {AccessType::Write, false},    {AccessType::Execute, false}};

const GradeCase& find_case(const std::vector<GradeCase>& cases, const std::string& name) {
    for (const GradeCase& c : cases)
        if (c.name == name) return c;
    FAIL("no grade case " << name);
    return cases.front();
}

}  // namespace

TEST_CASE("answers parse in the forms people write, and nothing else", "[grade][answers]") {
    CHECK(parse_answer("0xDEADbabe").value == Answer{AnswerKind::Address, 0xdeadbabe, 0});
    CHECK(parse_answer("  pf 0x7 ").value == Answer{AnswerKind::PageFault, 7, 0});
    CHECK(parse_answer("#PF 5").value == Answer{AnswerKind::PageFault, 5, 0});
    CHECK(parse_answer("GP").value.kind == AnswerKind::GeneralProtection);
    CHECK(parse_answer("pf").error == "'pf' needs the error code: 'pf 0x5'");
    CHECK(parse_answer("fault").error == "expected 0xADDRESS, 'pf 0xCODE' or 'gp', not 'fault'");
    CHECK(!parse_answer("0x12zz"));
    CHECK(!parse_answer("pf 0x100000000"));

    const auto ok = parse_answers("# my answers\n0x1000   # one\n\n#PF 0x4\ngp # three\n", "a.txt");
    REQUIRE(ok);
    REQUIRE(ok.value.size() == 3);
    CHECK(ok.value[0].line == 2);
    CHECK(ok.value[1] == Answer{AnswerKind::PageFault, 4, 0});
    CHECK(ok.value[2].line == 5);
    CHECK(parse_answers("0x1\nwhat\n", "a.txt").error ==
          "a.txt:2: expected 0xADDRESS, 'pf 0xCODE' or 'gp', not 'what'");
}

TEST_CASE("the model walk without a slip is the Mmu's walk", "[grade][model]") {
    std::size_t compared = 0;
    for (const PagingMode* mode : all_modes()) {
        for (std::uint64_t seed = 1; seed <= 40; ++seed)
            for (bool huge : {false, true})
                for (bool faults : {false, true}) {
                    const Quiz q = make_quiz({mode, seed, 8, huge, faults});
                    const Mmu mmu(q.machine);
                    for (const Question& x : q.questions)
                        for (const Access& a : EVERY_ACCESS) {
                            const Walk w = mmu.walk(x.va, a);
                            INFO(mode->key << " seed " << seed << " va " << fmt::format("{:#x}", x.va));
                            REQUIRE(model_walk(q.machine, w, Knobs{}).answer == answer_of(w));
                            ++compared;
                        }
                }
        for (Stage s : ALL_STAGES)
            for (const GradeCase& c : grade_cases(s, *mode, 2)) {
                const Mmu mmu(c.machine);
                for (const Probe& p : c.probes) {
                    const Walk w = mmu.walk(p.va, p.access);
                    INFO(mode->key << " " << c.name << " " << probe_line(p));
                    REQUIRE(model_walk(c.machine, w, Knobs{}).answer == answer_of(w));
                    ++compared;
                }
            }
    }
    CHECK(compared > 20000);
}

TEST_CASE("the crafted cases hold what their stage promises", "[grade][cases]") {
    std::size_t gp = 0, rsvd = 0, large = 0, smep_smap = 0;
    for (const PagingMode* mode : all_modes())
        for (Stage s : ALL_STAGES)
            for (const GradeCase& c : grade_cases(s, *mode, 3)) {
                CHECK(c.machine.expects.empty());
                const Mmu mmu(c.machine);
                for (const Probe& p : c.probes) {
                    const Walk w = mmu.walk(p.va, p.access);
                    gp += !w.ok && w.fault.general_protection;
                    rsvd += !w.ok && w.fault.reason == FaultReason::ReservedBit;
                    large += w.ok && w.translation.page_size > 4096;
                    smep_smap += !w.ok && (w.fault.reason == FaultReason::Smep || w.fault.reason == FaultReason::Smap);
                }
            }
    CHECK(gp >= 6);
    CHECK(rsvd >= 8);
    CHECK(large >= 20);
    CHECK(smep_smap >= 8);
}

TEST_CASE("grade names the slip and the step where the answers part", "[grade][hints]") {
    SECTION("PSE-36 bits left out of a 4 MB page") {
        const auto cases = grade_cases(Stage::Huge, mode_2level(), 0);
        const GradeCase& c = find_case(cases, "pse36-above-4g");
        const Walk w = walk(c.machine, 0x403ff123, {AccessType::Write, true});
        REQUIRE(w.ok);
        const Verdict v = grade(c.machine, w, {AnswerKind::Address, w.translation.pa & 0xffffffff, 0});
        CHECK(v.slip == Slip::Pse36);
        CHECK(v.step == 0);
        CHECK_THAT(v.hint, Catch::Contains("bits 20:13 are physical-address bits 39:32"));
    }
    SECTION("U/S not ANDed: the PDE takes it away") {
        const auto cases = grade_cases(Stage::Faults, mode_4level(), 0);
        const GradeCase& c = find_case(cases, "rights-across-levels");
        const Walk w = walk(c.machine, 0x10000040, {AccessType::Read, true});
        REQUIRE(!w.ok);
        const Verdict v = grade(c.machine, w, {AnswerKind::Address, 0x51000040, 0});
        CHECK(v.slip == Slip::UsNotAnded);
        CHECK(v.step == 2);
        CHECK_THAT(v.hint, Catch::StartsWith("step 3, the PDE at"));
    }
    SECTION("a large page missed") {
        const auto cases = grade_cases(Stage::Huge, mode_4level(), 0);
        const GradeCase& c = find_case(cases, "2m-and-1g-pages");
        const Walk w = walk(c.machine, 0x7abcdef0, {AccessType::Read, true});
        REQUIRE(w.ok);
        Knobs k;
        k.honour_ps = false;
        const Verdict v = grade(c.machine, w, model_walk(c.machine, w, k).answer);
        CHECK(v.slip == Slip::IgnorePs);
        CHECK(v.step == 1);
        CHECK_THAT(v.hint, Catch::Contains("maps a 1G page itself"));
    }
    SECTION("a large page missed, where its PDE has a reserved bit (a table's PDE has none there)") {
        const auto cases = grade_cases(Stage::Faults, mode_4level(), 0);
        const GradeCase& c = find_case(cases, "reserved-bits");
        const Walk w = walk(c.machine, 0x20412345, {AccessType::Read, false});
        REQUIRE(w.fault.reason == FaultReason::ReservedBit);
        Knobs k;
        k.honour_ps = false;
        const Answer taken_for_table = model_walk(c.machine, w, k).answer;
        CHECK(taken_for_table == Answer{AnswerKind::PageFault, 0, 0});
        CHECK(grade(c.machine, w, taken_for_table).slip == Slip::IgnorePs);
    }
    SECTION("a wrong index, a wrong entry size, a wrong offset, a wrong error-code bit") {
        const Quiz q = make_quiz({&mode_pae(), 2, 5, false, false});
        const Question& x = q.questions[0];
        const Walk w = walk(q.machine, x.va, x.access);
        REQUIRE(w.ok);
        // Another page of the same page table: the PTE index taken wrong.
        const unsigned last = w.step_count - 1;
        const Step& pte = w.steps[last];
        Knobs k;
        k.force_level = static_cast<int>(last);
        for (unsigned i = 0; i < 512 && k.force_index == 0; ++i)
            if (i != pte.index && (q.machine.mem.read64(pte.table + i * 8) & 1)) k.force_index = i;
        REQUIRE(k.force_index != 0);
        const Verdict vi = grade(q.machine, w, model_walk(q.machine, w, k).answer);
        CHECK(vi.slip == Slip::Index);
        CHECK(vi.step == static_cast<int>(last));
        CHECK_THAT(vi.hint, Catch::Contains(fmt::format("you read entry {} of the PT", k.force_index)));
        CHECK(grade(q.machine, w, {AnswerKind::Address, w.translation.pa ^ 0x10, 0}).slip == Slip::Offset);
        const Walk np = walk(q.machine, 0xfffff000, {AccessType::Write, true});
        if (!np.ok) {
            const Verdict ve = grade(q.machine, np, {AnswerKind::PageFault, np.fault.error_code ^ pf::US, 0});
            CHECK(ve.slip == Slip::ErrorCode);
            CHECK_THAT(ve.hint, Catch::Contains("U/S=1 (bit 2) the access is made in user mode"));
        }
    }
    SECTION("non-canonical, both ways") {
        const auto cases = grade_cases(Stage::Faults, mode_5level(), 0);
        const GradeCase& c = find_case(cases, "non-canonical");
        const Walk bad = walk(c.machine, c.probes[2].va, c.probes[2].access);
        REQUIRE(bad.fault.general_protection);
        CHECK(grade(c.machine, bad, {AnswerKind::PageFault, 4, 0}).slip == Slip::Canonical);
        const Walk good = walk(c.machine, c.probes[0].va, c.probes[0].access);
        const Verdict v = grade(c.machine, good, {AnswerKind::GeneralProtection, 0, 0});
        CHECK(v.slip == Slip::Canonical);
        CHECK_THAT(v.hint, Catch::Contains("is canonical"));
    }
    SECTION("the hints of a walk climb to the answer") {
        const Quiz q = make_quiz({&mode_4level(), 7, 5, true, true});
        const Walk w = walk(q.machine, q.questions[0].va, q.questions[0].access);
        const auto hints = walk_hints(q.machine, w);
        REQUIRE(hints.size() == w.step_count + 1);
        CHECK_THAT(hints[0], Catch::StartsWith("step 1: the PML4 index is VA bits 47:39 = 17"));
        CHECK(hints.back() == "the answer is 0xeb85f8913");
    }
}

TEST_CASE("expect lines carry the access they were observed with", "[grade][machine-file]") {
    const std::string text = "vmtour-machine 1\nmode 2level\nmap 0x1000 0x5000 4K rw\n"
                             "expect 0x1000 fault r user quiz\nexpect 0x1004 0x5004 w supervisor\n"
                             "expect 0x1008 0x5008 x\nexpect 0x100c 0x500c pagemap\n";
    const auto m = parse_machine(text, "t.machine");
    REQUIRE(m);
    const auto& e = m.value.expects;
    REQUIRE(e.size() == 4);
    CHECK((e[0].access_type == 0u && e[0].user && e[0].source == "quiz"));
    CHECK((e[1].access_type == 1u && !e[1].user && e[1].source.empty()));
    CHECK((e[2].access_type == 2u && e[2].user));
    CHECK((!e[3].access_type && e[3].source == "pagemap"));
    const std::string dump = dump_machine(m.value);
    CHECK_THAT(dump, Catch::Contains("expect 0x1000 fault r user quiz\nexpect 0x1004 0x5004 w supervisor\n"
                                     "expect 0x1008 0x5008 x user\nexpect 0x100c 0x500c pagemap\n"));
    CHECK(parse_machine(text + "expect 0x1 fault user\n", "t.machine").error ==
          "t.machine:8: 'user' must follow the access (r, w or x): 'expect VA PA r user'");
    CHECK(parse_machine(text + "expect 0x1 fault r user quiz extra\n", "t.machine").error ==
          "t.machine:8: expected 'expect VA PA|fault [r|w|x [user|supervisor]] [SOURCE]'");
}
