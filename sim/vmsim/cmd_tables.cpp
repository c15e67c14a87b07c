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
#include "text.hpp"

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
    std::string page_size = "4K";
    std::vector<std::string> regions;
    std::string from;
    bool json = false;
    std::string svg;
};

// START[+SIZE], widened to whole pages of `page`.
Region parse_region(const std::string& text, std::uint64_t page) {
    const auto plus = text.find('+');
    auto start = parse_u64(text.substr(0, plus));
    if (!start) throw InputError(fmt::format("bad region '{}': {}", text, start.error));
    std::uint64_t size = page;
    if (plus != std::string::npos) {
        auto s = parse_size(text.substr(plus + 1), true);
        if (!s) throw InputError(fmt::format("bad region '{}': SIZE takes K, M or G, as in 0x1000+8K", text));
        if (s.value == 0) throw InputError(fmt::format("bad region '{}': SIZE must be more than 0", text));
        size = s.value;
    }
    const std::uint64_t first = start.value & ~(page - 1);
    const std::uint64_t end = start.value + std::max<std::uint64_t>(size, 1);
    const std::uint64_t last = (end - 1) | (page - 1);
    return Region{first, last - first + 1, page};
}

std::uint64_t page_size_of(const std::string& text) {
    auto v = parse_size(text);
    if (!v || (v.value != 4096 && v.value != (2u << 20) && v.value != (4u << 20) && v.value != (1u << 30)))
        throw InputError(fmt::format("--page-size must be 4K, 2M, 4M or 1G, not '{}'", text));
    return v.value;
}

int run_cost(const CostOptions& o) {
    const std::uint64_t page = page_size_of(o.page_size);
    std::vector<Region> regions;
    for (const auto& r : o.regions) regions.push_back(parse_region(r, page));
    if (!o.from.empty())
        for (const Region& r : load_report_regions(o.from)) regions.push_back(r);
    if (regions.empty()) regions.push_back(parse_region("0x1337b000", page));  // the blog's one page
    regions = merge_regions(std::move(regions));
    std::vector<ModeCost> costs;
    std::vector<std::string> skipped;
    for (const PagingMode* mode : all_modes()) {
        if (o.levels && mode->level_count != o.levels) continue;
        if (!fits(*mode, regions)) {
            skipped.push_back(fmt::format("{}: the regions lie outside its address space", mode->key));
            continue;
        }
        if (!has_page_size(*mode, page)) {
            skipped.push_back(fmt::format("{}: it has no {} pages", mode->key, format_size(page)));
            continue;
        }
        costs.push_back(table_cost(*mode, regions));
    }
    if (costs.empty()) {
        if (skipped.size() == 1) throw InputError(skipped.front());
        throw InputError("no mode fits: the regions are outside its address space or not canonical");
    }
    // Linux deposits one page table per THP (pgtable_trans_huge_deposit, mm/huge_memory.c), kept
    // to split the huge page later; it counts in VmPTE though no walk uses it.
    std::uint64_t thps = 0;
    for (const Region& r : regions)
        if (r.page_size == (std::uint64_t{2} << 20)) thps += r.size / r.page_size;
    if (!o.svg.empty())
        if (auto e = svg::write_file_atomic(o.svg, svg_cost(costs, regions)); !e.empty()) throw InputError(e);
    const bool from_linux = !o.from.empty() && thps;
    if (o.json) {
        auto j = cost_json(costs, regions);
        if (from_linux) j["linux_thp_deposit_bytes"] = thps * 4096;
        j["skipped_modes"] = nlohmann::json::array();
        for (const auto& s : skipped) j["skipped_modes"].push_back(s.substr(0, s.find(':')));
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << render_cost_text(costs, regions);
    if (from_linux)
        std::cout << wrap(fmt::format("Linux's VmPTE counts more than the hardware needs: one page table kept in "
                                      "reserve per THP (the deposited pgtable, to split it later), {} x 4 KiB = {}.",
                                      thps, human_bytes(static_cast<long double>(thps * 4096))))
                  << "\n\n";
    for (const auto& s : skipped) std::cout << fmt::format("({})\n", s);
    return 0;
}

}  // namespace

void setup_dump(CLI::App& app, Runner& run) {
    auto o = std::make_shared<DumpOptions>();
    auto* cmd = app.add_subcommand("dump", "Write a machine as a machine file with raw table entries");
    add_machine_options(*cmd, o->machine);
    finish_command(*cmd, "vmsim dump --levels 4 > my.machine");
    cmd->callback([o, &run] { run = [o] { return run_dump(*o); }; });
}

void setup_map(CLI::App& app, Runner& run) {
    auto o = std::make_shared<MapOptions>();
    auto* cmd = app.add_subcommand("map", "Draw the memory map: one character per top-level entry");
    add_machine_options(*cmd, o->machine);
    cmd->add_option("--zoom,-z", o->zoom,
                    "Zoom into the range of one entry, then one of its entries, ...: e.g. 768, or 511,510");
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->add_option("--svg", o->svg, "Also draw the map as a picture (SVG) in FILE")
        ->check(svg_file());
    cmd->footer(std::string(MEMMAP_LEGEND));
    finish_command(*cmd, "vmsim map --levels 4 --zoom 511,510");
    cmd->callback([o, &run] { run = [o] { return run_map(*o); }; });
}

void setup_cost(CLI::App& app, Runner& run) {
    auto o = std::make_shared<CostOptions>();
    auto* cmd = app.add_subcommand("cost", "How much memory the page tables for mapped regions take");
    cmd->add_option("region", o->regions,
                    "START[+SIZE]: mapped virtual region, SIZE with K/M/G (default 4K); "
                    "default: the blog's single page 0x1337b000");
    cmd->add_option("--from,-f", o->from, "Also every page of a vmreal output file (text, CSV or JSON)");
    cmd->add_option("--levels,-l", o->levels, "Only this mode: 2, 3 (PAE), 4 or 5 (default: all that fit)")
        ->check(CLI::IsMember({2u, 3u, 4u, 5u}));
    cmd->add_option("--page-size,-p", o->page_size,
                    "Map the regions with pages of this size: 4K (default), 2M, 4M (2-level) or 1G")
        ->option_text("4K|2M|4M|1G");
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->add_option("--svg", o->svg, "Also draw the cost as a picture (SVG) in FILE")
        ->check(svg_file());
    finish_command(*cmd, "vmsim cost 0x400000+64M 0x7ffffffde000+8K");
    cmd->callback([o, &run] { run = [o] { return run_cost(*o); }; });
}

}  // namespace vmtour::cli
