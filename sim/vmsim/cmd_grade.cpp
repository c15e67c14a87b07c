// grade: runs a learner's page walker (lessons/lab-walker) on seeded and crafted machines and
// compares every answer with the simulator's, stage by stage and mode by mode, like `make grade`.
#include "commands.hpp"
#include "common.hpp"
#include "grade.hpp"
#include "grade_cases.hpp"
#include "machine_file.hpp"
#include "quiz_answers.hpp"
#include "text.hpp"
#include "walker_run.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>

namespace vmtour::cli {

namespace {

namespace fs = std::filesystem;

struct GradeCliOptions {
    std::string walker;
    std::string levels = "all";
    std::string stage = "all";
    unsigned seeds = 10;
    double timeout = 10;
    std::string results = "grade-results";
};

// What one stage in one mode came to.
struct StageResult {
    std::size_t asked = 0, right = 0;
    std::string failure;  // the walker misbehaved: the stage scores 0
    std::string detail;   // the first mismatch or the failure, to print after the table
    bool cannot_start = false;  // its first run exited 127: the command was not found or not runnable
};

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
    if (!f) throw InputError(fmt::format("{}: cannot write", p.string()));
}

std::string translate_args(const Probe& p) {
    static constexpr const char* letter[] = {"r", "w", "x"};
    return fmt::format("-a {}{}", letter[static_cast<int>(p.access.type)], p.access.user ? "" : " --supervisor");
}

std::string shell_quote(const std::string& s) {
    if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(std::move(line));
        pos = nl + 1;
    }
    return out;
}

// The first line of what the walker printed, shortened, and with control characters escaped
// (quote): a walker's colours or stray bytes must not reach the learner's terminal as they are.
std::string first_line(const std::string& s) {
    const std::string line = s.substr(0, s.find('\n'));
    return line.size() > 70 ? quote(line.substr(0, 67)) + "..." : quote(line);
}

// Keeps the machine (and the input) of a stage's first problem in the results folder.
fs::path keep(const GradeCliOptions& o, const std::string& tag, const std::string& machine, const std::string& input) {
    const fs::path dir(o.results);
    write_file(dir / (tag + ".machine"), machine);
    write_file(dir / (tag + ".input"), input);
    return dir / (tag + ".machine");
}

StageResult grade_stage(const GradeCliOptions& o, Stage stage, const PagingMode& mode, const fs::path& work) {
    StageResult r;
    const std::string tag = fmt::format("{}-{}", stage_name(stage), mode.key);
    const std::vector<GradeCase> cases = grade_cases(stage, mode, o.seeds);
    for (const GradeCase& c : cases) r.asked += c.probes.size();
    bool mismatch_seen = false;
    for (const GradeCase& c : cases) {
        const std::string machine = dump_machine(c.machine);
        std::string input;
        for (const Probe& p : c.probes) input += probe_line(p) + "\n";
        const fs::path file = work / (tag + ".machine");
        write_file(file, machine);
        const WalkerRun run = run_walker(o.walker, file.string(), input, o.timeout);
        auto fail = [&](const std::string& why) {
            const fs::path kept = keep(o, tag, machine, input);
            r.failure = why;
            r.detail = (wrap(fmt::format("{} {}: 0 points: on {}, the walker {}", stage_name(stage), mode.key, c.name, why), 78, "  ") + "\n");
            if (!run.err.empty()) r.detail += "  its stderr: " + first_line(run.err) + "\n";
            r.detail += fmt::format("  reproduce: {} {} < {}\n", o.walker, shell_quote(kept.string()),
                                    shell_quote(fs::path(kept).replace_extension(".input").string()));
        };
        if (run.status != WalkerRun::Status::Exited || run.code != 0) {
            fail(describe_run(run, o.timeout));
            // 127: our exec's "cannot run" or the shell's "not found" (POSIX, 2.8.2).
            r.cannot_start = &c == &cases.front() && run.status == WalkerRun::Status::Exited && run.code == 127;
            break;
        }
        std::vector<std::string> lines = lines_of(run.out);
        if (lines.size() != c.probes.size()) {
            fail(fmt::format("printed {} line{} for {} questions (one line per input line)", lines.size(),
                             lines.size() == 1 ? "" : "s", c.probes.size()));
            break;
        }
        const Mmu mmu(c.machine);
        for (std::size_t i = 0; i < c.probes.size() && r.failure.empty(); ++i) {
            const auto given = parse_answer(lines[i]);
            if (!given) {
                fail(fmt::format("printed '{}' on line {}: {}", first_line(lines[i]), i + 1, given.error));
                break;
            }
            const Probe& p = c.probes[i];
            const Walk w = mmu.walk(p.va, p.access);
            if (answer_of(w) == given.value) {
                ++r.right;
                continue;
            }
            if (mismatch_seen) continue;
            mismatch_seen = true;
            const Verdict v = grade(c.machine, w, given.value);  // the hint: only for the first
            const fs::path kept = keep(o, tag, machine, input);
            const std::string k = shell_quote(kept.string());
            r.detail = fmt::format("{} {}: first mismatch, on {} (line {}):\n", stage_name(stage), mode.key, c.name, i + 1);
            r.detail += fmt::format("  {}: vmsim says {}, the walker {}\n", probe_line(p), answer_word(v.expected),
                                    answer_word(given.value));
            r.detail += "  " + (wrap(fmt::format("hint ({}): {}", slip_name(v.slip), v.hint), 78, "    ") + "\n");
            r.detail += fmt::format("  reproduce: echo '{}' | {} {}\n", probe_line(p), o.walker, k);
            r.detail += fmt::format("  the walk:  vmsim translate {:#x} {} --machine {}\n", p.va, translate_args(p), k);
        }
        if (!r.failure.empty()) break;
    }
    return r;
}

std::vector<const PagingMode*> modes_of(const std::string& levels) {
    if (levels == "all") return {all_modes().begin(), all_modes().end()};
    for (const PagingMode* m : all_modes())
        if (levels == fmt::format("{}", m->level_count)) return {m};
    throw InputError(fmt::format("--levels must be 2, 3, 4, 5 or all, not '{}'", levels));
}

std::vector<Stage> stages_of(const std::string& stage) {
    if (stage == "all") return {std::begin(ALL_STAGES), std::end(ALL_STAGES)};
    if (auto s = find_stage(stage)) return {*s};
    throw InputError(fmt::format("--stage must be basic, huge, faults or all, not '{}'", stage));
}

int run_grade(const GradeCliOptions& o) {
    const auto modes = modes_of(o.levels);
    const auto stages = stages_of(o.stage);
    if (o.walker.find_first_not_of(" \t") == std::string::npos) throw InputError("--walker needs a command");
    std::error_code ec;
    fs::create_directories(o.results, ec);
    if (ec) throw InputError(fmt::format("{}: cannot create the results folder: {}", o.results, ec.message()));
    std::string tmpl = (fs::temp_directory_path() / "vmsim-grade-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw InputError("cannot create a temporary folder");
    const fs::path work(tmpl);

    std::cout << fmt::format("vmsim grade: {}\n{} seed{} per stage and mode, {} s per run; problems kept in {}/\n\n",
                             o.walker, o.seeds, o.seeds == 1 ? "" : "s", o.timeout, o.results);
    std::cout << fmt::format("  {:<7} {:<7} {:>13}\n", "stage", "mode", "score");
    std::size_t asked = 0, right = 0;
    std::string details;
    bool stop = false, first = true;
    for (Stage s : stages)
        for (const PagingMode* m : modes) {
            if (stop) break;
            const StageResult r = grade_stage(o, s, *m, work);
            const std::size_t got = r.failure.empty() ? r.right : 0;
            asked += r.asked;
            right += got;
            const std::string verdict = !r.failure.empty() ? "FAIL (walker failed)" : got == r.asked ? "OK" : "FAIL";
            std::cout << fmt::format("  {:<7} {:<7} {:>6}/{:<6} {}\n", stage_name(s), m->key, got, r.asked, verdict)
                      << std::flush;
            if (!r.detail.empty()) details += "\n" + r.detail;
            // A walker that cannot be started fails every stage the same way: said once.
            stop = r.cannot_start && first && (stages.size() > 1 || modes.size() > 1);
            first = false;
            if (stop) std::cout << "  (the other stages and modes not run: the walker cannot be started)\n";
        }
    fs::remove_all(work, ec);
    std::cout << details;
    std::cout << fmt::format("\nscore: {} of {} ({}%)\n", right, asked, asked ? right * 100 / asked : 0);
    return right == asked ? 0 : EXIT_FAULT;
}

}  // namespace

void setup_grade(CLI::App& app, Runner& run) {
    auto o = std::make_shared<GradeCliOptions>();
    auto* cmd = app.add_subcommand("grade", "Grade your own page walker (lessons/lab-walker) on many machines");
    cmd->add_option("--walker,-w", o->walker,
                    "The walker's command, run as 'COMMAND MACHINE_FILE' (e.g. './walker' or 'python3 walker.py')")
        ->required();
    cmd->add_option("--levels,-l", o->levels, "Paging mode: 2, 3 (PAE), 4, 5 or all (default all)");
    cmd->add_option("--stage", o->stage, "basic, huge, faults or all (default all)");
    cmd->add_option("--seeds", o->seeds, "Quiz machines per stage and mode, seeds 1..N (default 10)")
        ->check(CLI::Range(1u, 1000u));
    cmd->add_option("--timeout", o->timeout, "Seconds a walker may take for one machine (default 10)")
        ->check(CLI::Range(0.1, 600.0));
    cmd->add_option("--results", o->results,
                    "Folder for the machine files of the problems found (default grade-results)");
    cmd->footer("The walker reads lines 'VA [r|w|x] [user|supervisor]' on stdin and prints one\n"
                "line for each: 0x<physical address>, 'pf 0x<error code>' or 'gp'. Stages: basic\n"
                "(4 KB pages), huge (large pages, PSE-36, CR4.PSE=0), faults (rights, SMEP/SMAP,\n"
                "CR0.WP, NXE, reserved bits, non-canonical). A walker that crashes, hangs or\n"
                "prints the wrong number of lines scores 0 for that stage and mode. The lab:\n"
                "lessons/lab-walker/README.md. Exit status: 0 all right, 1 some wrong, 2 bad\n"
                "input.");
    finish_command(*cmd, "cp -r \"$(vmsim lesson dir)/lab-walker\" lab\n"
                         "  vmsim grade --walker 'python3 lab/python/walker.py' --levels 2 --stage basic");
    cmd->callback([o, &run] { run = [o] { return run_grade(*o); }; });
}

}  // namespace vmtour::cli
