// dump, map and cost: whole page-table structures rather than one address.
#include "commands.hpp"
#include "common.hpp"
#include "cost.hpp"
#include "machine_file.hpp"
#include "memmap.hpp"
#include "parse.hpp"
#include "render.hpp"
#include "svg.hpp"
#include "svg_doc.hpp"

#include <fmt/format.h>
#include <iostream>

namespace vmtour::cli {

namespace {

struct DumpOptions {
    MachineOptions machine;
};

int run_dump(const DumpOptions& o) {
    std::cout << dump_machine(load(o.machine));
    return 0;
}

struct MapOptions {
    MachineOptions machine;
    std::string zoom;
    bool json = false;
    std::string svg;
};

std::vector<unsigned> parse_zoom(const std::string& text) {
    std::vector<unsigned> path;
    std::size_t pos = 0;
    while (pos <= text.size() && !text.empty()) {
        const std::size_t comma = text.find(',', pos);
        const std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto n = parse_u64(part);
        if (!n || n.value > 0xffffffffu) throw InputError(fmt::format("--zoom takes indices like 768 or 511,510: '{}'", part));
        path.push_back(static_cast<unsigned>(n.value));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return path;
}

int run_map(const MapOptions& o) {
    const Machine m = load(o.machine);
    std::string error;
    const MemoryMap map = memory_map(m, parse_zoom(o.zoom), error);
    if (!error.empty()) throw InputError(error);
    if (!o.svg.empty())
        if (auto e = svg::write_file_atomic(o.svg, svg_memmap(m, map)); !e.empty()) throw InputError(e);
    if (o.json) std::cout << memmap_json(m, map).dump(2) << "\n";
    else std::cout << render_memmap_text(m, map);
    return 0;
}

struct CostOptions {
    unsigned levels = 0;
    std::vector<std::string> regions;
    std::string from;
    bool json = false;
    std::string svg;
};

Region parse_region(const std::string& text) {
    const auto plus = text.find('+');
    auto start = parse_u64(text.substr(0, plus));
    if (!start) throw InputError(fmt::format("bad region '{}': {}", text, start.error));
    Region r{start.value, 4096};
    if (plus != std::string::npos) {
        auto size = parse_size(text.substr(plus + 1));
        if (!size) throw InputError(fmt::format("bad region '{}': {}", text, size.error));
        r.size = size.value;
    }
    return r;
}

int run_cost(const CostOptions& o) {
    std::vector<Region> regions;
    for (const auto& r : o.regions) regions.push_back(parse_region(r));
    if (!o.from.empty())
        for (std::uint64_t va : load_report_vas(o.from)) regions.push_back({va, 4096});
    if (regions.empty()) regions.push_back({0x1337b000, 4096});  // the blog's one page
    std::vector<ModeCost> costs;
    std::vector<std::string> skipped;
    for (const PagingMode* mode : all_modes()) {
        if (o.levels && mode->level_count != o.levels) continue;
        if (!fits(*mode, regions)) {
            skipped.push_back(std::string(mode->key));
            continue;
        }
        costs.push_back(table_cost(*mode, regions));
    }
    if (costs.empty())
        throw InputError("the regions do not fit in the chosen mode's address space (or are not canonical)");
    if (!o.svg.empty())
        if (auto e = svg::write_file_atomic(o.svg, svg_cost(costs, regions)); !e.empty()) throw InputError(e);
    if (o.json) {
        auto j = cost_json(costs, regions);
        j["skipped_modes"] = skipped;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << render_cost_text(costs, regions);
    for (const auto& s : skipped) std::cout << fmt::format("({}: the regions lie outside its address space)\n", s);
    return 0;
}

}  // namespace

void setup_dump(CLI::App& app, Runner& run) {
    auto o = std::make_shared<DumpOptions>();
    auto* cmd = app.add_subcommand("dump", "Write a machine as a machine file with raw table entries (see docs/machine-format.md)");
    add_machine_options(*cmd, o->machine);
    cmd->callback([o, &run] { run = [o] { return run_dump(*o); }; });
}

void setup_map(CLI::App& app, Runner& run) {
    auto o = std::make_shared<MapOptions>();
    auto* cmd = app.add_subcommand("map", "Draw the memory map: one character per top-level entry (legend . X R * x r +)");
    add_machine_options(*cmd, o->machine);
    cmd->add_option("--zoom,-z", o->zoom,
                    "Zoom into the range of one entry, then one of its entries, ...: e.g. 768, or 511,510");
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->add_option("--svg", o->svg, "Also draw the map as a picture (SVG) in FILE");
    cmd->footer(std::string(MEMMAP_LEGEND));
    cmd->callback([o, &run] { run = [o] { return run_map(*o); }; });
}

void setup_cost(CLI::App& app, Runner& run) {
    auto o = std::make_shared<CostOptions>();
    auto* cmd = app.add_subcommand("cost", "How much memory the page tables for some mapped regions take, per mode and level");
    cmd->add_option("region", o->regions,
                    "START[+SIZE]: mapped virtual region, SIZE with K/M/G (default 4K); "
                    "default: the blog's single page 0x1337b000");
    cmd->add_option("--from,-f", o->from, "Also every page of a vmreal output file (text, CSV or JSON)");
    cmd->add_option("--levels,-l", o->levels, "Only this mode: 2, 3 (PAE), 4 or 5 (default: all that fit)")
        ->check(CLI::IsMember({2u, 3u, 4u, 5u}));
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->add_option("--svg", o->svg, "Also draw the cost as a picture (SVG) in FILE");
    cmd->callback([o, &run] { run = [o] { return run_cost(*o); }; });
}

}  // namespace vmtour::cli
