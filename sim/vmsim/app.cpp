// vmsim's command line without main(), so that the web page runs the very same command (with
// its output captured) as the terminal does: run_vmsim takes the arguments after "vmsim".
#include "cli_text.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

// An error line that cannot fail: fmt::print would throw on a closed or full stderr, and a throw
// from here would abort (exit 134). If stderr cannot take it, the exit status still tells.
void say(const std::string& line) {
    std::fputs(("vmsim: " + line + "\n").c_str(), stderr);
    std::fflush(stderr);
}

// Help and version go to stdout: a full stdout is a failed command, not a silent success.
int helped(CLI::App& app, const CLI::Error& e) {
    const int rc = app.exit(e);
    std::cout.flush();
    if (std::cout) return rc;
    say("cannot write the output");
    return vmtour::cli::EXIT_INPUT;
}

}  // namespace

namespace {

// `vmsim help CMD [SUB]` is `vmsim CMD [SUB] --help`; `vmsim help` is `vmsim --help`.
std::vector<std::string> arguments(std::vector<std::string> args) {
    if (!args.empty() && args[0] == "help") {
        args.erase(args.begin());
        args.emplace_back("--help");
    }
    return args;
}

}  // namespace

namespace vmtour::cli {

int run_vmsim(std::vector<std::string> words) {
    CLI::App app{"vmsim: watch an x86 MMU translate virtual addresses, step by step, in all four "
                 "paging modes. Start with: vmsim translate 0x1337babe --levels 2",
                 "vmsim"};
    vmtour::use_wrapping_help(app);
    app.require_subcommand(1);
    std::string color = "auto";
    app.add_option("--color", color, "Colour: auto (on a terminal, unless NO_COLOR is set), always or never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->option_text("WHEN");
    app.fallthrough();  // --color may come after the command too
    app.set_version_flag("--version", VERSION_TEXT);
    Runner run;
    setup_translate(app, run);
    setup_split(app, run);
    setup_cost(app, run);
    setup_map(app, run);
    setup_dump(app, run);
    setup_check(app, run);
    setup_quiz(app, run);
    setup_lesson(app, run);
    setup_grade(app, run);
    setup_tlb(app, run);
    app.add_subcommand("help", "Show a command's help: vmsim help translate (the same as translate --help)");
    app.footer("Exit status: 0 done, 1 the answer is a fault or a disagreement, 2 bad input.\n"
               "Machine files: docs/machine-format.md. Each command has --help.");
    std::vector<std::string> args = arguments(std::move(words));
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
        app.parse(args);
        if (app.got_subcommand("help")) throw CLI::CallForHelp();
    } catch (const CLI::CallForHelp& e) {
        return helped(app, e);
    } catch (const CLI::CallForAllHelp& e) {
        return helped(app, e);
    } catch (const CLI::CallForVersion& e) {
        return helped(app, e);
    } catch (const CLI::ParseError& e) {
        // parse_error_text starts with "vmsim: " itself.
        std::fputs((vmtour::parse_error_text(app, e, "vmsim") + "\n").c_str(), stderr);
        return EXIT_INPUT;
    }
    vmtour::set_style(vmtour::terminal_style(color));
    try {
        const int rc = run();
        std::cout.flush();
        if (!std::cout) {
            say("cannot write the output");
            return EXIT_INPUT;
        }
        return rc;
    } catch (const InputError& e) {
        say(e.what());
        return EXIT_INPUT;
    } catch (const std::system_error& e) {  // fmt::print to a closed or full stdout
        say(fmt::format("cannot write the output: {}", e.what()));
        return EXIT_INPUT;
    } catch (const std::exception& e) {
        say(fmt::format("internal error: {}", e.what()));
        return 3;
    }
}

}  // namespace vmtour::cli
