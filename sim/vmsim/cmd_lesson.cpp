// lesson list | show N | check N: the path of lessons in lessons/, from the terminal.
#include "commands.hpp"
#include "common.hpp"
#include "lesson_common.hpp"
#include "lesson_lab.hpp"
#include "lessons.hpp"
#include "markdown.hpp"
#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

// From the folder of the installed vmsim to the installed lessons (GNUInstallDirs: bin ->
// share/vmtour/lessons), set by CMake; a relative path, so an installed tree can move.
#ifndef VMTOUR_LESSONS_REL
#define VMTOUR_LESSONS_REL "../share/vmtour/lessons"
#endif

namespace vmtour::cli {

namespace fs = std::filesystem;

namespace {

// Nothing differs, but some exercises could not run here (see the requirement messages).
constexpr int EXIT_NOT_RUN = 4;


}  // namespace

// What `lesson check`, `lesson do` and `lesson list` share (lesson_common.hpp).

// The folder this vmsim runs from (symbolic links resolved), or "" if /proc is missing.
fs::path self_dir() {
    std::error_code ec;
    return fs::read_symlink("/proc/self/exe", ec).parent_path();
}

// Without --dir or VMTOUR_LESSONS the lessons are found from where this vmsim is, never from a
// path compiled in, so an installed tree can move (a prefix, DESTDIR, a .deb) and a build tree
// works in place:
//   SELF/VMTOUR_LESSONS_REL   installed: PREFIX/bin/vmsim -> PREFIX/share/vmtour/lessons
//   SELF/lessons              a build tree: CMake links BUILD/lessons to the source's lessons
std::string lessons_dir(const LessonOptions& o) {
    if (!o.dir.empty()) return o.dir;
    if (const char* env = std::getenv("VMTOUR_LESSONS"); env && *env) return env;
    const fs::path self = self_dir();
    const fs::path candidates[] = {self / VMTOUR_LESSONS_REL, self / "lessons"};
    std::error_code ec;
    for (const fs::path& c : candidates)
        if (!self.empty() && fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
    throw InputError(fmt::format("no lessons next to this vmsim (looked in {} and {}); give --dir DIR or set "
                                 "VMTOUR_LESSONS",
                                 candidates[0].lexically_normal().string(), candidates[1].string()));
}

std::vector<Lesson> lessons(const LessonOptions& o) {
    const std::string dir = lessons_dir(o);
    auto l = load_lessons(dir);
    if (!l) {
        const bool no_dir = l.error.find("no lessons directory") != std::string::npos;
        throw InputError(l.error + (no_dir ? " (give --dir DIR or set VMTOUR_LESSONS)" : ""));
    }
    if (l.value.empty()) throw InputError(fmt::format("{}: no lessons (folders NN-slug)", dir));
    return std::move(l.value);
}

Lesson pick(const LessonOptions& o) {
    for (Lesson& l : lessons(o))
        if (l.slug == o.which || std::to_string(l.number) == o.which || l.slug.substr(0, 2) == o.which) return std::move(l);
    if (o.which == "lab")  // listed with the lessons, but graded by `vmsim grade`
        throw InputError("the lab is graded by vmsim grade: read it with 'vmsim lesson show lab'");
    throw InputError(fmt::format("no lesson '{}' (see 'vmsim lesson list')", o.which));
}

std::string read_file(const fs::path& p) {
    auto text = read_input(p.string(), "file");  // bounded, like every input (parse.hpp)
    if (!text) throw InputError(text.error);
    return std::move(text.value);
}

// `vmsim` and `vmreal` in exercises are the ones built next to this vmsim (BUILD and BUILD/real).
std::string search_path() {
    const fs::path self = self_dir();
    const char* path = std::getenv("PATH");
    return fmt::format("{}:{}:{}", self.string(), (self / "real").string(), path ? path : "/usr/bin:/bin");
}

Ran run_shell(const std::string& command, const std::string& cwd) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const std::string path = search_path();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(cwd.c_str()) != 0) _exit(127);
        setenv("PATH", path.c_str(), 1);
        setenv("LC_ALL", "C", 1);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    Ran r;
    char buf[65536];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        r.output.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

// Why this machine cannot run the exercise, or "".
std::string missing_need(const Exercise& e, const Lesson& l) {
    for (const std::string& need : e.needs) {
        if (need == "root" && geteuid() != 0)
            return fmt::format("needs root (pagemap shows frame numbers only with CAP_SYS_ADMIN): run sudo vmsim lesson check {}", l.number);
        if (need == "module" && access("/proc/pagetable", F_OK) != 0)
            return "needs the ko5204 module (no /proc/pagetable): build and load it as root on a kernel that can load modules "
                   "(kmod/README.md); where it cannot, it runs inside the real-kernel matrix (tests/matrix/), and "
                   "--recorded checks the outputs recorded there";
        if (need == "thp") {
            std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
            std::string policy;
            std::getline(in, policy);
            if (!in || policy.find("[never]") != std::string::npos)
                return "needs transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled is missing or [never])";
        }
    }
    return "";
}

// The one way an exercise's command is run, by `lesson check` and `lesson do` alike.
Ran run_exercise(const Exercise& e, const Lesson& l) { return run_shell(e.run, l.dir); }

namespace {

enum class Status { Match, Differ, NotRun, Recorded };

struct Tally {
    std::map<Status, unsigned> n;
    unsigned recorded_files = 0;
    std::size_t id_width = 0;  // the longest exercise id, for the columns
    std::map<std::string, std::vector<LabOutput>> lab;  // --lab: outputs from the guests, by id
};

void print_failure(const std::string& why, const Exercise& e, const Lesson& l) {
    std::string indented;
    for (char c : why) indented += c == '\n' ? std::string("\n      ") : std::string(1, c);
    std::cout << fmt::format("      {}\n      run it yourself: cd {} && {}\n", indented, l.dir, e.run);
}

Status check_exercise(const LessonOptions& o, const Lesson& l, const Exercise& e,
                      const std::map<std::string, std::string>& given, Tally& t) {
    const fs::path expected_file = fs::path(l.dir) / "expected" / (e.id + ".out");
    auto expected = [&]() -> std::optional<std::string> {
        if (!fs::exists(expected_file)) return std::nullopt;
        return read_file(expected_file);
    };
    const std::string head = fmt::format("{:<{}} ", e.id, t.id_width);
    // "  MARK ID  what": a longer line goes on under `what` (80 columns).
    const auto line = [&](std::string_view mark, const std::string& what) {
        std::cout << wrap(fmt::format("  {} {}{}", mark, head, what), TEXT_WIDTH, std::string(t.id_width + 5, ' '))
                  << "\n";
    };
    if (auto it = given.find(e.id); it != given.end()) {
        const CheckResult r = check_output(e, read_file(it->second), std::nullopt, expected());
        line(r.ok ? style().check() : style().cross(), fmt::format("output of {} (not run here)", it->second));
        if (!r.ok) print_failure(r.why, e, l);
        return r.ok ? Status::Match : Status::Differ;
    }
    if (auto it = t.lab.find(e.id); it != t.lab.end()) {
        bool all_ok = true;
        for (const LabOutput& run : it->second) {
            const CheckResult r = check_output(e, run.output, run.status, expected());
            line(r.ok ? style().check() : style().cross(), fmt::format("in the lab's {} guest: {}", run.mode, e.run));
            if (!r.ok) print_failure(r.why, e, l);
            all_ok &= r.ok;
        }
        return all_ok ? Status::Match : Status::Differ;
    }
    if (const std::string need = missing_need(e, l); !need.empty()) {
        line("-", "NOT RUN: " + need);
        if (!o.recorded || e.recorded.empty()) return Status::NotRun;
        bool all_ok = true;
        for (const Recorded& rec : e.recorded) {
            const CheckResult r = check_output(e, read_file(fs::path(l.dir) / rec.file), std::nullopt, expected());
            std::cout << wrap(fmt::format("  {} {:<{}} recorded in the matrix's {} guest: {}", r.ok ? style().check() : style().cross(),
                                          "", t.id_width, rec.label, rec.file),
                              TEXT_WIDTH, std::string(t.id_width + 5, ' '))
                      << "\n";
            if (!r.ok) print_failure(r.why, e, l);
            all_ok &= r.ok;
            ++t.recorded_files;
        }
        return all_ok ? Status::Recorded : Status::Differ;
    }
    const Ran ran = run_exercise(e, l);
    if (o.update && e.exact()) {
        fs::create_directories(expected_file.parent_path());
        std::ofstream(expected_file, std::ios::binary) << exact_text(ran.output, ran.status);
    }
    const CheckResult r = check_output(e, ran.output, ran.status, expected());
    line(r.ok ? style().check() : style().cross(), e.run);
    if (!r.ok) print_failure(r.why, e, l);
    return r.ok ? Status::Match : Status::Differ;
}

int run_check(const LessonOptions& o) {
    const Lesson l = pick(o);
    std::map<std::string, std::string> given;
    for (const std::string& spec : o.output_of) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
            throw InputError(fmt::format("--output-of takes ID=FILE, not '{}'", spec));
        const std::string id = spec.substr(0, eq);
        if (std::none_of(l.exercises.begin(), l.exercises.end(), [&](const Exercise& e) { return e.id == id; }))
            throw InputError(fmt::format("lesson {} has no exercise '{}'", l.number, id));
        given[id] = spec.substr(eq + 1);
    }
    std::cout << wrap(fmt::format("lesson {}: {} ({})", l.number, l.title, l.dir), TEXT_WIDTH, "  ") << "\n";
    Tally t;
    for (const Exercise& e : l.exercises) t.id_width = std::max(t.id_width, e.id.size());
    if (o.lab) t.lab = run_lab_exercises(l);
    for (const Exercise& e : l.exercises) ++t.n[check_exercise(o, l, e, given, t)];
    std::string summary = fmt::format("lesson {}: {} match, {} differ, {} not run here", l.number, t.n[Status::Match],
                                      t.n[Status::Differ], t.n[Status::NotRun] + t.n[Status::Recorded]);
    if (t.n[Status::Recorded])
        summary += fmt::format(" ({} of them checked on {} outputs recorded in the matrix)", t.n[Status::Recorded],
                               t.recorded_files);
    if (o.update) summary += "; expected outputs rewritten: review them with git diff lessons";
    std::cout << wrap(summary) << "\n";
    if (t.n[Status::Differ]) return EXIT_FAULT;
    return t.n[Status::NotRun] ? EXIT_NOT_RUN : 0;
}

int run_list(const LessonOptions& o) {
    for (const Lesson& l : lessons(o)) {
        std::set<std::string> needs;
        for (const Exercise& e : l.exercises) needs.insert(e.needs.begin(), e.needs.end());
        std::string need_text;
        for (const auto& n : needs) need_text += (need_text.empty() ? "; some need " : ", ") + n;
        std::cout << fmt::format("{:>2}  {}\n", l.number, l.title)
                  << wrap(fmt::format("    {} exercise{}{}", l.exercises.size(), l.exercises.size() == 1 ? "" : "s",
                                      need_text), TEXT_WIDTH, "    ")
                  << "\n";
        if (const std::string you = progress_line(l); !you.empty()) std::cout << you << "\n";
        // The walker lab (lab-walker/, not a numbered lesson: graded by `vmsim grade`) comes after
        // lesson 6, once the walk, large pages and the rights are known.
        if (l.number == 6 && fs::is_directory(fs::path(lessons_dir(o)) / "lab-walker"))
            std::cout << "lab Write your own page walker (lab-walker/README.md)\n    graded by vmsim grade\n";
    }
    std::cout << "\nWork through one (questions graded, progress kept): vmsim lesson do N\n"
                 "Read one: vmsim lesson show N\n"
                 "Check your machine gives the expected outputs: vmsim lesson check N\n";
    return 0;
}

int run_show(const LessonOptions& o) {
    if (o.which == "lab") {
        const fs::path readme = fs::path(lessons_dir(o)) / "lab-walker" / "README.md";
        std::cout << render_markdown(read_file(readme), style());
        std::cout << wrap(fmt::format("\n(from {}; grade your walker with: vmsim grade --walker CMD)",
                                      readme.parent_path().string()))
                  << "\n";
        return 0;
    }
    const Lesson l = pick(o);
    std::cout << render_markdown(read_file(fs::path(l.dir) / "README.md"), style());
    std::cout << wrap(fmt::format("\n(from {}; check the exercises with: vmsim lesson check {})", l.dir, l.number))
              << "\n";
    return 0;
}

}  // namespace

void setup_lesson(CLI::App& app, Runner& run) {
    auto o = std::make_shared<LessonOptions>();
    auto* cmd = app.add_subcommand("lesson", "The lessons: list them, read one, check its exercises on this machine");
    cmd->require_subcommand(1);
    cmd->fallthrough();  // --dir may come after the list/show/check word too
    cmd->add_option("--dir", o->dir, "Lessons folder (default $VMTOUR_LESSONS, else the lessons installed with this vmsim: "
                    VMTOUR_LESSONS_REL " from its folder, or BUILD/lessons in a build tree)");
    auto* list = cmd->add_subcommand("list", "The lessons in order, with what they need");
    auto* show = cmd->add_subcommand("show", "Print lesson N (its text and exercises)");
    show->add_option("N", o->which, "Lesson number or folder name (vmsim lesson list), or lab for the walker lab")->required();
    auto* dir = cmd->add_subcommand("dir", "Print the lessons folder (to copy the lab's starter kit from, say)");
    auto* check = cmd->add_subcommand("check", "Run lesson N's exercises and compare each output with the expected one");
    check->add_option("N", o->which, "Lesson number or folder name (vmsim lesson list)")->required();
    check->add_flag("--recorded", o->recorded,
                    "For exercises this machine cannot run (no root, no module), check the outputs recorded in the "
                    "real-kernel matrix instead (they still count as not run here)");
    check->add_flag("--lab", o->lab,
                    "Run the exercises that need the kernel module in the lab's QEMU guests (vmlab), in the "
                    "modes each names: no root, no module on this machine needed");
    check->add_option("--output-of", o->output_of,
                      "ID=FILE: check FILE as exercise ID's output instead of running it (e.g. output saved in a guest)");
    check->add_flag("--update", o->update, "Rewrite expected/ID.out of the 'exact' exercises from this run (review with git diff)");
    check->footer("Each exercise: ok (the expected output), X (not; with the first difference),\n"
                  "- not run here (and why: root, the kernel module). `vmsim` and `vmreal` in the\n"
                  "commands are the ones next to this vmsim. Exit status: 0 all match, 1 some\n"
                  "differ, 2 bad input, 4 none differ but some did not run here (with --recorded,\n"
                  "exercises whose recorded outputs pass do not count as not run).");
    cmd->footer("Lesson files and their format: lessons/README.md.");
    setup_lesson_do(*cmd, o, run);
    finish_command(*cmd, "vmsim lesson list");
    finish_command(*list, "vmsim lesson list");
    finish_command(*show, "vmsim lesson show 3");
    finish_command(*check, "vmsim lesson check 3");
    finish_command(*dir, "cp -r \"$(vmsim lesson dir)/lab-walker\" lab");
    list->callback([o, &run] { run = [o] { return run_list(*o); }; });
    show->callback([o, &run] { run = [o] { return run_show(*o); }; });
    check->callback([o, &run] { run = [o] { return run_check(*o); }; });
    dir->callback([o, &run] {
        run = [o] {
            const std::string d = lessons_dir(*o);
            if (!fs::is_directory(d)) throw InputError(fmt::format("no lessons folder at {}", d));
            std::cout << d << "\n";
            return 0;
        };
    });
}

}  // namespace vmtour::cli
