// vmreal: main only wires the command line (cli.hpp) to the run.
#include "cli.hpp"
#include "tlb_measure.hpp"
#include "cli_text.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
    // `vmreal tlb ...` is its own experiment with its own options (tlb_measure.hpp).
    if (argc > 1 && std::string_view(argv[1]) == "tlb") return vmtour::run_tlb_measure(argc - 1, argv + 1);
    CLI::App app{"", "vmreal"};
    vmtour::use_wrapping_help(app);
    vmtour::Options options;
    vmtour::setup_vmreal(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s\n", vmtour::parse_error_text(app, e, "vmreal").c_str());
        return 2;
    }
    return vmtour::run_vmreal(options);
}
