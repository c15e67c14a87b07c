// `vmsim lesson do N`: a lesson as a session. The text, section by section; then each exercise's
// question, the learner's typed answer graded (lesson_answer.hpp), and the command that answers it
// with its output. Progress is kept per user (lesson_progress.hpp) after every exercise, so EOF,
// 'quit' and Ctrl-C all stop with nothing lost.
#include "commands.hpp"
#include "common.hpp"
#include "lesson_answer.hpp"
#include "lesson_common.hpp"
#include "lesson_lab.hpp"
#include "lesson_progress.hpp"
#include "line_reader.hpp"
#include "markdown.hpp"
#include "text.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <optional>

namespace vmtour::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t MAX_OUTPUT_LINES = 40;  // a longer output is cut, with how to see it all

// The README's sections: split before each "## " heading outside code blocks. The exercises'
// section is left out: the session asks them one by one.
std::vector<std::string> sections(const std::string& md) {
    std::vector<std::string> out(1);
    bool code = false;
    std::size_t start = 0;
    while (start < md.size()) {
        std::size_t nl = md.find('\n', start);
        if (nl == std::string::npos) nl = md.size();
        const std::string line = md.substr(start, nl - start);
        if (line.rfind("```", 0) == 0) code = !code;
        if (!code && line.rfind("## ", 0) == 0) out.emplace_back();
        out.back() += line + "\n";
        start = nl + 1;
    }
    std::erase_if(out, [](const std::string& s) { return s.rfind("## Exercises", 0) == 0; });
    return out;
}

// At most MAX_OUTPUT_LINES lines of `text`, indented by nothing (it is the tool's own output),
// each wrapped to 80 columns.
std::string clipped(const std::string& text, const std::string& dir, const std::string& how_to_see_all) {
    std::string out;
    std::size_t lines = 0, pos = 0;
    while (pos < text.size() && lines < MAX_OUTPUT_LINES) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size() - 1;
        // A line wider than the terminal (a recorded file's long comment) goes on, indented.
        const std::string line = text.substr(pos, nl + 1 - pos);
        out += display_width(line) > TEXT_WIDTH + (line.back() == '\n') ? wrap(line, TEXT_WIDTH, "    ") : line;
        pos = nl + 1;
        ++lines;
    }
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (pos < text.size()) {
        std::size_t rest = 0;
        for (std::size_t i = pos; i < text.size(); ++i) rest += text[i] == '\n';
        if (text.back() != '\n') ++rest;
        // The folder and the command on lines of their own: a long folder cannot push them
        // past 80 columns, and each line can be pasted as it is.
        out += fmt::format("... {} more lines; all of it:\n", rest) + wrap("    cd " + dir, TEXT_WIDTH, "      ") + "\n" +
               wrap("    " + how_to_see_all, TEXT_WIDTH, "      ") + "\n";
    }
    return out;
}

// The command and its output: run here; or, for the module's exercises with --lab, what it
// printed in the lab's guests; or, where this machine cannot run it, the output recorded in the
// matrix or stored as the expected one.
void show_command(const Exercise& e, const Lesson& l, const std::vector<LabOutput>* lab) {
    std::cout << "\n" << wrap("$ " + e.run, TEXT_WIDTH, "    ") << "\n";
    if (lab) {
        for (const LabOutput& o : *lab) {
            std::cout << fmt::format("In the lab's {} guest (exit {}):\n", o.mode, o.status);
            std::cout << clipped(o.output, l.dir, "vmlab --mode " + o.mode + " -- sh -c '" + e.run + "'");
        }
        return;
    }
    if (const std::string need = missing_need(e, l); !need.empty()) {
        std::cout << wrap("(not run here: " + need + ")", TEXT_WIDTH, " ") << "\n";
        if (!e.recorded.empty()) {
            const Recorded& rec = e.recorded.front();
            std::cout << fmt::format("What it printed in the matrix's {} guest ({}):\n", rec.label, rec.file);
            std::cout << clipped(read_file(fs::path(l.dir) / rec.file), l.dir, "less " + rec.file);
        }
        return;
    }
    const Ran ran = run_exercise(e, l);
    std::cout << clipped(ran.output, l.dir, e.run);
}

enum class End { Right, RightLater, Shown, Seen, Stopped };

std::string_view result_word(End e) {
    switch (e) {
    case End::Right: return "right";
    case End::RightLater: return "right-later";
    case End::Shown: return "shown";
    default: return "seen";
    }
}

class Session {
public:
    Session(const Lesson& l, LineReader& in, bool lab) : l_(l), in_(in), lab_(lab) {}

    // nullopt: the learner stopped (EOF, 'quit', Ctrl-C).
    std::optional<std::string> read(std::string_view prompt) {
        std::cout << prompt << std::flush;
        auto line = in_.next();
        if (!line) return std::nullopt;
        if (!in_.terminal()) std::cout << *line << "\n";  // a transcript that reads like the session
        std::string cmd = *line;
        std::erase_if(cmd, [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
        if (cmd == "quit" || cmd == "q") return std::nullopt;
        return line;
    }

    bool pause() { return read("-- Enter: go on; 'quit' stops --").has_value(); }

    End ask(const Exercise& e, std::size_t i) {
        std::cout << "\n"
                  << fmt::format("exercise {} of {}: {}\n", i + 1, l_.exercises.size(), e.id)
                  << wrap(e.ask, TEXT_WIDTH) << "\n";
        if (e.answer.empty()) {
            if (!read("(nothing to type: Enter runs it) ")) return End::Stopped;
            show(e);
            return End::Seen;
        }
        const std::string prompt = e.form.empty() ? "answer> " : fmt::format("answer ({})> ", e.form);
        bool first = true;
        for (;;) {
            const auto line = read(prompt);
            if (!line) return End::Stopped;
            const auto values = answer_values(*line);
            if (values.empty()) continue;
            const std::string word = values.size() == 1 ? values[0] : "";
            if (word == "hint" || word == "h" || word == "?") {
                first = false;
                std::cout << wrap(fmt::format("  hint: this command answers it: {}", e.run), TEXT_WIDTH, "    ") << "\n";
                continue;
            }
            if (word == "show" || word == "skip") {
                std::cout << wrap("  the answer: " + answer_display(e), TEXT_WIDTH, "    ") << "\n";
                show(e);
                return End::Shown;
            }
            const LessonVerdict v = grade_lesson_answer(e, *line);
            if (v.right) {
                std::cout << "  right\n";
                show(e);
                return first ? End::Right : End::RightLater;
            }
            first = false;
            std::cout << wrap("  wrong: " + v.hint + "; 'hint', 'show' or try again", TEXT_WIDTH, "    ") << "\n";
        }
    }

private:
    // The command's output. With --lab, the first module exercise boots the guests for all of
    // the lesson's module exercises (one boot per mode); if the lab fails, its line is shown and
    // the session goes on with the recorded outputs.
    void show(const Exercise& e) {
        const std::vector<LabOutput>* from_lab = nullptr;
        if (lab_ && lab_runs(e)) {
            if (!lab_outputs_) {
                try {
                    lab_outputs_ = run_lab_exercises(l_);
                } catch (const InputError& err) {
                    std::cout << wrap(fmt::format("(--lab: {}; the recorded outputs instead)", err.what()), TEXT_WIDTH, " ")
                              << "\n";
                    lab_ = false;
                }
            }
            if (lab_)
                if (auto it = lab_outputs_->find(e.id); it != lab_outputs_->end()) from_lab = &it->second;
        }
        show_command(e, l_, from_lab);
    }

    const Lesson& l_;
    LineReader& in_;
    bool lab_;
    std::optional<std::map<std::string, std::vector<LabOutput>>> lab_outputs_;
};

int run_do(const LessonOptions& o) {
    const Lesson l = pick(o);
    Progress progress = load_progress();
    auto& done = progress.results[l.slug];
    if (o.again) done.clear();
    catch_sigint();
    LineReader in;
    Session s(l, in, o.lab);
    std::cout << fmt::format("lesson {}: {}\n", l.number, l.title)
              << wrap("Type each answer and Enter (numbers in any base: 0x4c, 76, 0b1001100; sizes as "
                      "4K or 2M). 'hint' gives the command that answers it, 'show' the answer, 'quit' "
                      "stops; your progress is kept" +
                          (progress.path.empty() ? std::string(" (nowhere: no HOME)") : " in " + progress.path) + ".",
                      TEXT_WIDTH)
              << "\n";
    const std::size_t n = l.exercises.size();
    std::size_t at = 0;
    while (at < n && done.count(l.exercises[at].id)) ++at;
    auto stop = [&](const char* where) {
        std::cout << "\n"
                  << wrap(fmt::format("{} at {} ({} of {} done); go on: vmsim lesson do {}",
                                      sigint_caught() ? "interrupted" : "stopped", where, done.size(), n, l.number),
                          TEXT_WIDTH)
                  << "\n";
        return sigint_caught() ? 130 : EXIT_FAULT;
    };
    if (at == 0) {
        for (const std::string& sec : sections(read_file(fs::path(l.dir) / "README.md"))) {
            std::cout << "\n" << render_markdown(sec, style());
            if (!s.pause()) return stop("the text");
        }
    } else if (at == n) {
        std::cout << wrap(fmt::format("\nAll {} exercises done before ('vmsim lesson show {}' for the text, --again to "
                                      "start over).",
                                      n, l.number),
                          TEXT_WIDTH)
                  << "\n";
    } else {
        std::cout << wrap(fmt::format("\n{} of {} exercises done before; going on from exercise {} ('vmsim lesson "
                                      "show {}' for the text, --again to start over).",
                                      done.size(), n, at + 1, l.number),
                          TEXT_WIDTH)
                  << "\n";
    }
    for (std::size_t i = 0; i < n; ++i) {
        const Exercise& e = l.exercises[i];
        if (!o.again && i < at) continue;
        if (!o.again && done.count(e.id)) continue;
        const End end = s.ask(e, i);
        if (end == End::Stopped) return stop(fmt::format("exercise {} of {}", i + 1, n).c_str());
        done[e.id] = result_word(end);
        if (progress.path.empty()) continue;  // no HOME: said once, at the start
        // Read again before writing: another session (another lesson, in another terminal) may
        // have written its progress since this one started; only this lesson's is replaced.
        Progress now = load_progress();
        now.results[l.slug] = done;
        if (const std::string err = save_progress(now); !err.empty())
            std::cerr << "vmsim: progress not kept: " << err << "\n";
    }
    std::size_t right = 0, shown = 0;
    for (const auto& [id, result] : done) {
        right += result == "right" || result == "right-later";
        shown += result == "shown";
    }
    // What comes next: the following lesson, the walker lab after lesson 6 (lessons/README.md).
    const auto all = lessons(o);
    const bool last = all.empty() || all.back().number == l.number;
    const std::string next = last ? "That was the last lesson: try vmsim quiz --levels 4 --huge --faults --ask."
                             : l.number == 6
                                 ? "Next: the walker lab (vmsim lesson show lab), then vmsim lesson do 7."
                                 : fmt::format("Next: vmsim lesson do {}.", l.number + 1);
    std::cout << "\n"
              << wrap(fmt::format("lesson {} done: {} answered right, {} shown. {}", l.number, right, shown, next),
                      TEXT_WIDTH)
              << "\n";
    return shown ? EXIT_FAULT : 0;
}

}  // namespace

std::string progress_line(const Lesson& l) {
    const Progress p = load_progress();
    const auto it = p.results.find(l.slug);
    if (it == p.results.end() || it->second.empty()) return "";
    std::size_t right = 0, later = 0, shown = 0, seen = 0, total = 0;
    for (const Exercise& e : l.exercises) {
        const auto r = it->second.find(e.id);
        if (r == it->second.end()) continue;
        ++total;
        right += r->second == "right";
        later += r->second == "right-later";
        shown += r->second == "shown";
        seen += r->second == "seen";  // nothing to answer: run, not graded
    }
    if (total == 0) return "";
    const std::string more =
        total == l.exercises.size() ? "" : fmt::format("; go on: vmsim lesson do {}", l.number);
    const std::string run = seen ? fmt::format(", {} only run", seen) : "";
    return wrap(fmt::format("    you: {} of {} done ({} right at once, {} after tries, {} shown{}){}", total,
                            l.exercises.size(), right, later, shown, run, more),
                TEXT_WIDTH, "    ");
}

void setup_lesson_do(CLI::App& lesson, std::shared_ptr<LessonOptions> o, Runner& run) {
    auto* cmd = lesson.add_subcommand("do", "Work through lesson N: read it, answer each exercise, see it graded");
    cmd->add_option("N", o->which, "Lesson number or folder name")->required();
    cmd->add_flag("--again", o->again, "Ask every exercise, also those done before");
    cmd->add_flag("--lab", o->lab,
                  "Run the exercises that need the kernel module in the lab's QEMU guests (vmlab), in the "
                  "modes each names, instead of showing their recorded outputs");
    cmd->footer("Answers: numbers in any base (0x4c, 76, 0b1001100), sizes as 4K or 2M, words in\n"
                "any case. Progress: $XDG_STATE_HOME/vmtour/lessons (default\n"
                "~/.local/state/vmtour); `vmsim lesson list` shows it. Exit 0 all answered right,\n"
                "1 some shown or stopped early, 2 bad input, 130 on Ctrl-C. Works with answers\n"
                "piped in.");
    finish_command(*cmd, "vmsim lesson do 1");
    cmd->callback([o, &run] { run = [o] { return run_do(*o); }; });
}

}  // namespace vmtour::cli
