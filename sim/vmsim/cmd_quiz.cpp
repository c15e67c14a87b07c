// quiz: a seeded paging problem (a machine and addresses to translate) and, with --solve, its answers.
#include "commands.hpp"
#include "common.hpp"
#include "machine_file.hpp"
#include "quiz.hpp"
#include "quiz_answers.hpp"
#include "quiz_text.hpp"
#include "render.hpp"
#include "text.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <iostream>

namespace vmtour::cli {

namespace {

struct QuizCliOptions {
    unsigned levels = 2;
    std::uint64_t seed = 1;
    unsigned count = 5;
    bool huge = false;
    bool faults = false;
    bool solve = false;
    bool json = false;
    bool ask = false;
    bool hexdump = false;  // the tables as raw memory (OSTEP's paging homework)
    std::string machine_out;
    std::string answer;  // an answer file to grade ('-': stdin)
    std::string kind = "translate";
};

// The same access as `vmsim translate` options.
std::string translate_args(const Question& q) {
    static constexpr const char* letter[] = {"r", "w", "x"};
    return fmt::format("-a {}{}", letter[static_cast<int>(q.access.type)], q.access.user ? "" : " --supervisor");
}

void print_text(const QuizCliOptions& o, const Quiz& quiz, const std::string& dump) {
    const Machine& m = quiz.machine;
    std::cout << quiz_problem_text(quiz, dump, o.hexdump);
    if (!o.solve) {
        std::cout << fmt::format("\nAnswers, with every step of each walk:\n  {} --solve\n", quiz_command_line(quiz.options, o.hexdump));
        return;
    }
    const Mmu mmu(m);
    for (std::size_t i = 0; i < quiz.questions.size(); ++i) {
        const Question& q = quiz.questions[i];
        const Walk w = mmu.walk(q.va, q.access);
        std::cout << "\n"
                  << wrap(fmt::format("=== {}. {}   (vmsim translate {:#x} {} --machine FILE)", i + 1,
                                      question_text(q), q.va, translate_args(q)),
                          TEXT_WIDTH, "    ")
                  << "\n";
        std::cout << render_walk_text(m, w);
        std::cout << wrap(fmt::format("answer  {}", answer_text(m, w)), TEXT_WIDTH, "        ") << "\n";
    }
}

void print_json(const QuizCliOptions& o, const Quiz& quiz, const std::string& dump) {
    const Machine& m = quiz.machine;
    const Mmu mmu(m);
    nlohmann::json questions = nlohmann::json::array();
    for (const Question& q : quiz.questions) {
        nlohmann::json j{{"va", hex(q.va)}, {"access", access_name(q.access.type)}, {"user", q.access.user}};
        if (o.solve) j["answer"] = walk_json(m, mmu.walk(q.va, q.access));
        questions.push_back(j);
    }
    std::cout << nlohmann::json{{"format", "vmtour-quiz/1"}, {"quiz", quiz_command_line(quiz.options, o.hexdump)}, {"mode", m.mode->key},  {"seed", o.seed},
                                {"huge", o.huge},          {"faults", o.faults},   {"machine", dump},
                                {"questions", questions}}
                     .dump(2)
              << "\n";
}

// --kind entry|decode|cost (quiz_kinds.hpp): the same flow as translate's, without JSON.
int run_kind_quiz(const QuizCliOptions& o, const QuizOptions& options) {
    const KindQuiz quiz = make_kind_quiz(options);
    const bool machine = options.kind == QuizKind::Entry;
    if (o.json) throw InputError(fmt::format("--json: only --kind translate has JSON output, not {}", o.kind));
    // Options that would shape nothing are refused, not ignored: the command line a quiz prints
    // would otherwise claim them.
    if (o.faults && options.kind != QuizKind::Entry)
        throw InputError(fmt::format("--faults does nothing for --kind {} (translate and entry have faults)", o.kind));
    if (o.huge && options.kind == QuizKind::Decode)
        throw InputError("--huge does nothing for --kind decode (its entries include large pages)");
    if (!machine && (o.hexdump || !o.machine_out.empty()))
        throw InputError(fmt::format("--{}: --kind {} has no machine (translate and entry have one)",
                                     o.hexdump ? "hexdump" : "machine-out", o.kind));
    const std::string dump = machine ? dump_machine(quiz.base.machine) : "";
    if (!o.machine_out.empty()) {
        std::ofstream out(o.machine_out, std::ios::binary);
        out << dump;
        out.close();
        if (!out) throw InputError(fmt::format("{}: cannot write the machine file", o.machine_out));
    }
    const std::string title = quiz_command_line(options, o.hexdump);
    if (!o.answer.empty()) return grade_kind_file(quiz, o.answer, title, o.solve);
    const std::string problem = kind_problem_text(quiz, dump, o.hexdump);
    if (o.ask) return ask_kind_session(quiz, problem);
    std::cout << problem;
    if (!o.solve) {
        std::cout << fmt::format("\nAnswers, with how each is found:\n  {} --solve\n", title);
        return 0;
    }
    for (std::size_t i = 0; i < quiz.questions.size(); ++i)
        std::cout << "\n"
                  << wrap(fmt::format("=== {}. {}", i + 1, kind_question_text(quiz, i)), TEXT_WIDTH, "    ") << "\n"
                  << kind_solution_text(quiz, i);
    return 0;
}

int run_quiz(const QuizCliOptions& o) {
    const PagingMode& mode = mode_of(o.levels, mode_2level());
    if (o.kind != "translate")
        return run_kind_quiz(o, QuizOptions{&mode, o.seed, o.count, o.huge, o.faults, *parse_quiz_kind(o.kind)});
    Quiz quiz = make_quiz(QuizOptions{&mode, o.seed, o.count, o.huge, o.faults});
    const std::string dump = dump_machine(quiz.machine);
    if (!o.machine_out.empty()) {
        // The answers as expect lines with the access each question asked, so that `vmsim check`
        // on this file judges what the quiz asked.
        Machine& with_answers = quiz.machine;  // `dump` above has no expect lines
        const Mmu mmu(quiz.machine);
        for (const Question& q : quiz.questions) {
            const Walk w = mmu.walk(q.va, q.access);
            Expect e;
            e.va = q.va;
            if (w.ok) e.pa = w.translation.pa;
            e.source = "quiz";
            e.access_type = static_cast<unsigned>(q.access.type);
            e.user = q.access.user;
            with_answers.expects.push_back(e);
        }
        std::ofstream out(o.machine_out, std::ios::binary);
        out << dump_machine(with_answers);
        out.close();
        if (!out) throw InputError(fmt::format("{}: cannot write the machine file", o.machine_out));
    }
    if (!o.answer.empty()) return grade_answer_file(quiz, o.answer, quiz_command_line(quiz.options, o.hexdump), o.solve, o.json);
    if (o.ask) return ask_session(quiz, quiz_problem_text(quiz, dump, o.hexdump));
    if (o.json) print_json(o, quiz, dump);
    else print_text(o, quiz, dump);
    return 0;
}

}  // namespace

void setup_quiz(CLI::App& app, Runner& run) {
    auto o = std::make_shared<QuizCliOptions>();
    auto* cmd = app.add_subcommand("quiz", "A paging problem to solve by hand: a machine and addresses to translate");
    cmd->add_option("--levels,-l", o->levels, "Paging mode: 2 (32-bit), 3 (PAE), 4 or 5 (default 2)")
        ->check(CLI::IsMember({2u, 3u, 4u, 5u}));
    cmd->add_option("--seed", o->seed, "Which problem: the same seed gives the same problem on every machine (default 1)")
        ->check(unsigned_number());
    cmd->add_option("--count,-n", o->count, "How many addresses (1 to 16, default 5)")->check(CLI::Range(1u, 16u));
    cmd->add_option("--kind,-k", o->kind,
                    "What to ask: translate (an access's address or fault; the default), entry (the "
                    "address of the entry a walk reads at one level: 0xADDRESS or 'none'), decode (a raw "
                    "entry: 'table 0xADDRESS FLAGS', 'frame 0xADDRESS FLAGS' or 'not present'), cost (how "
                    "many tables a region needs: a number)")
        ->check(CLI::IsMember({"translate", "entry", "decode", "cost"}));
    cmd->add_flag("--huge", o->huge,
                  "Add large pages: 4 MB (2-level) or 2 MB, and 1 GB in 4/5-level; at least one question is "
                  "answered by one, and in 2-level one by a 4 MB page above 4 GiB (PSE-36)");
    cmd->add_flag("--faults", o->faults,
                  "Add permission faults: supervisor and read-only pages, XD, a restricted directory entry, "
                  "CR4.SMEP/SMAP, a large page with a reserved bit set, and non-canonical addresses in 4/5-level; at "
                  "least one not-present, one permission, one reserved-bit and (4/5-level) one #GP question, as far "
                  "as --count allows after question 1");
    cmd->add_flag("--solve", o->solve, "Print the answers, with every step of each walk");
    cmd->add_flag("--json", o->json, "Print JSON (with --solve, each answer is a walk as `vmsim translate --json` prints it)");
    cmd->add_option("--machine-out,-o", o->machine_out,
                    "Also write the machine to FILE, for `vmsim translate VA --machine FILE`; its expect lines "
                    "hold the answers (for `vmsim check FILE`)");
    auto* answer = cmd->add_option("--answer,-a", o->answer,
                                   "Grade your answers in FILE ('-': stdin): one line per question, in order: "
                                   "0xADDRESS, 'pf 0xCODE' or 'gp'; '#' comments. With --solve, the walks of "
                                   "the wrong ones");
    cmd->add_flag("--ask", o->ask,
                  "Ask one question at a time and grade each answer as you type it ('hint' for the next hint)")
        ->excludes(answer);
    cmd->add_flag("--hexdump", o->hexdump,
                  "Show the tables as memory, 16 bytes a line, as OSTEP's paging homework does: find each "
                  "entry by its physical address (the questions and answers are the same)");
    cmd->footer("The problem is generated by SplitMix64 from the seed with vmtour's own\n"
                "bounded-number mapping (sim/teach/quiz.hpp), so a seed means the same problem\n"
                "with every compiler and library. Solve it, then run the same command with\n"
                "--solve, or grade your answers: --answer FILE (exit 0 all right, 1 some wrong,\n"
                "2 a malformed file), or --ask to answer at the terminal (exit 130 on Ctrl-C).\n"
                "\n"
                "Kinds of question (--kind), answered one line per question, numbers\n"
                "in any base (0x1f, 31, 0b11111):\n"
                "  translate  0x1f3a000, 'pf 0x5' or 'gp'\n"
                "  entry      the entry's physical address, 0x6702ff0; 'none' if the\n"
                "             walk never reads it (#GP)\n"
                "  decode     'frame 0x40000000 P RW US PS', 'table 0x1234000 P RW'\n"
                "             or 'not present'; flags P RW US PWT PCD A D PS PAT G XD,\n"
                "             in any order and case\n"
                "  cost       the tables at every level, the top one included: 6\n"
                "--huge and --faults shape the machine of translate and entry; --huge\n"
                "also maps some cost regions with large pages. --json is translate's\n"
                "only; --hexdump and --machine-out need a machine (translate, entry).");
    finish_command(*cmd, "vmsim quiz --levels 4 --seed 7 --huge --faults");
    cmd->callback([o, &run] { run = [o] { return run_quiz(*o); }; });
}

}  // namespace vmtour::cli
