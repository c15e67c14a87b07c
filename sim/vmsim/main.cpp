// vmsim: a software x86 MMU that shows every step of a page walk.
#include "commands.hpp"
#include "common.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <system_error>

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

int main(int argc, char** argv) {
    using namespace vmtour::cli;
    CLI::App app{"vmsim: watch an x86 MMU translate virtual addresses, step by step, in all four paging modes.\n"
                 "Start with: vmsim translate 0x1337babe --levels 2",
                 "vmsim"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vmsim 0.1.0 (machine format 1)");
    Runner run;
    setup_translate(app, run);
    setup_split(app, run);
    setup_cost(app, run);
    setup_map(app, run);
    setup_dump(app, run);
    setup_check(app, run);
    setup_quiz(app, run);
    setup_lesson(app, run);
    app.footer("Exit status: 0 done, 1 the answer is a fault or a disagreement, 2 bad input.\n"
               "Machine files: docs/machine-format.md. Each command has --help.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return helped(app, e);
    } catch (const CLI::CallForAllHelp& e) {
        return helped(app, e);
    } catch (const CLI::CallForVersion& e) {
        return helped(app, e);
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        const bool missing = dynamic_cast<const CLI::RequiredError*>(&e) || dynamic_cast<const CLI::ExtrasError*>(&e);
        if (app.get_subcommands().empty() && missing) {
            // No known command was given: say which ones exist.
            const std::string given = argc > 1 && argv[1][0] != '-' ? fmt::format("unknown command '{}'; ", argv[1]) : "";
            what = given + "give a command: translate, split, cost, map, dump, check, quiz or lesson";
        }
        if (what.empty()) what = "bad command line";
        if (dynamic_cast<const CLI::ConversionError*>(&e)) what += " is not a valid value";
        const auto chosen = app.get_subcommands();
        say(fmt::format("{} (see 'vmsim {}--help')", what, chosen.empty() ? "" : chosen[0]->get_name() + " "));
        return EXIT_INPUT;
    }
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
