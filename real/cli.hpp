// vmreal's command line, CLI11 style: an options struct, a setup function that declares them, a
// validation step that turns text into a Config (usage errors, exit 2), and a run function.
#pragma once

#include "alloc.hpp"
#include "parse.hpp"
#include "report.hpp"

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace vmtour {

// What the user typed, as text: validation owns every message about it.
struct Options {
    std::string block;            // -b 4K|1G
    std::string memory;           // -m SIZE
    std::string output;           // -o FILE ("" or "-": stdout)
    std::string touch = "write";  // --touch write|read|none
    std::string format = "text";  // --format text|csv|json
    bool flags = false;           // --flags
    std::string thp;              // --thp on|off ("": leave the system policy)
    bool populate = false;        // --populate
    bool mlock = false;           // --mlock
    bool reread = false;          // --reread
    bool fork = false;            // --fork: copy-on-write, seen from parent and child
    std::string allocator = "pool";  // --allocator pool|libc (4K mode)
    bool quiet = false;           // -q: no summary
    std::string snapshot;         // --snapshot FILE: the module's snapshot of the buffer, merged
    std::string kernel;           // --kernel vmalloc|kmalloc: the module's allocation instead
    std::string svg;              // --svg FILE: the pages as a picture
};

// The validated run.
struct Config {
    AllocRequest alloc;
    Touch touch = Touch::Write;
    ReportFormat format = ReportFormat::Text;
    bool flags = false;
    bool reread = false;
    bool fork = false;
    bool quiet = false;
    std::string output;
    std::string block_word;  // "4K" / "1G", for messages and the JSON header
    std::string snapshot;    // --snapshot FILE ("": none)
    std::string svg;         // --svg FILE ("": none)
    std::string kernel;      // "vmalloc", "kmalloc", or "" (vmreal's own buffer)
};

void setup_vmreal(CLI::App& app, Options& options);
Parsed<Config> validate(const Options& options);

// Runs everything after parsing and returns the exit code; every failure is one line on stderr
// starting with "vmreal: ".
int run_vmreal(const Options& options);

}  // namespace vmtour
