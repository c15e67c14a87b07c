// vmreal: main only wires the command line (cli.hpp) to the run.
#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    CLI::App app{"", "vmreal"};
    vmtour::Options options;
    vmtour::setup_vmreal(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "vmreal: %s (see vmreal --help)\n", e.what());
        return 2;
    }
    return vmtour::run_vmreal(options);
}
