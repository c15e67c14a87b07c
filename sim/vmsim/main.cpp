// vmsim: a software x86 MMU that shows every step of a page walk.
#include "cli_text.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "text.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <iostream>

namespace {

// `vmsim help CMD [SUB]` is `vmsim CMD [SUB] --help`; `vmsim help` is `vmsim --help`.
std::vector<std::string> arguments(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "help") {
        args.erase(args.begin());
        args.emplace_back("--help");
    }
    return args;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace vmtour::cli;
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
    std::vector<std::string> args = arguments(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    try {
        app.parse(args);
        if (app.got_subcommand("help")) throw CLI::CallForHelp();
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fmt::print(stderr, "{}\n", vmtour::parse_error_text(app, e, "vmsim"));
        return EXIT_INPUT;
    }
    vmtour::set_style(vmtour::terminal_style(color));
    try {
        const int rc = run();
        std::cout.flush();
        if (!std::cout) {
            fmt::print(stderr, "vmsim: cannot write the output\n");
            return EXIT_INPUT;
        }
        return rc;
    } catch (const InputError& e) {
        fmt::print(stderr, "vmsim: {}\n", e.what());
        return EXIT_INPUT;
    } catch (const std::exception& e) {
        fmt::print(stderr, "vmsim: internal error: {}\n", e.what());
        return 3;
    }
}
