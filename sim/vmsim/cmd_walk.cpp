// translate and split: what the MMU does with one address.
#include "bits.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "cost.hpp"
#include "input_words.hpp"
#include "render.hpp"
#include "svg.hpp"
#include "svg_doc.hpp"
#include "text.hpp"
#include "walk.hpp"

#include <fmt/format.h>
#include <iostream>

namespace vmtour::cli {

namespace {

struct TranslateOptions {
    MachineOptions machine;
    std::vector<std::string> vas;
    std::string access = "r";
    bool supervisor = false;
    bool user = false;
    bool json = false;
    bool set_ad = false;
    std::string svg;
};

AccessType access_type(const std::string& s) {
    const auto a = parse_access_type(s);
    if (!a) throw InputError(a.error);
    return a.value;
}

void print_updates(const Machine& m, const Walk& w, const std::vector<EntryUpdate>& updates) {
    std::cout << fmt::format("\nA/D     {} entr{} updated as the CPU would{}\n", updates.size(),
                             updates.size() == 1 ? "y" : "ies", w.ok ? "" : " (none: the walk faulted)");
    for (const auto& u : updates)
        std::cout << fmt::format("        {} at {:#x}: {:#x} -> {:#x}\n", m.mode->level[u.level].entry, u.addr,
                                 u.before, u.after);
}

// Several addresses walk the same machine one after the other (with --set-ad, each sees the
// bits the ones before it set). Exit status 1 when any of them faults.
int run_translate(const TranslateOptions& o) {
    Machine m = load(o.machine);
    std::vector<std::uint64_t> vas;
    for (const auto& text : o.vas) vas.push_back(parse_va(text, *m.mode));
    if (!o.svg.empty() && vas.size() > 1) throw InputError("--svg draws one walk: give one address");
    const Access access{access_type(o.access), !o.supervisor};
    nlohmann::json walks = nlohmann::json::array();
    bool all_ok = true;
    for (std::size_t i = 0; i < vas.size(); ++i) {
        const Walk w = walk(m, vas[i], access);
        all_ok &= w.ok;
        if (!o.svg.empty())
            if (auto e = svg::write_file_atomic(o.svg, svg_walk(m, w)); !e.empty()) throw InputError(e);
        std::vector<EntryUpdate> updates;
        if (o.set_ad) updates = apply_accessed_dirty(m, w);
        if (o.json) {
            auto j = walk_json(m, w);
            if (o.set_ad) {
                j["accessed_dirty"] = nlohmann::json::array();
                for (const auto& u : updates)
                    j["accessed_dirty"].push_back({{"entry", m.mode->level[u.level].entry}, {"address", hex(u.addr)},
                                                   {"before", hex(u.before)}, {"after", hex(u.after)}});
            }
            walks.push_back(std::move(j));
            continue;
        }
        if (i) std::cout << "\n";
        std::cout << render_walk_text(m, w);
        if (o.set_ad) print_updates(m, w, updates);
    }
    if (o.json) std::cout << translate_json(walks).dump(2) << "\n";
    return all_ok ? 0 : EXIT_FAULT;
}

struct SplitOptions {
    unsigned levels = 0;
    std::vector<std::string> vas;
    std::string from;
    bool json = false;
};

// One row per page of a vmreal run: its indices at every level, and the tables they need.
int run_split_report(const SplitOptions& o) {
    const PagingMode& mode = mode_of(o.levels, mode_4level());
    std::vector<std::string> pas;
    const std::vector<std::uint64_t> vas = load_report_vas(o.from, &pas);
    std::vector<Region> regions;
    for (std::uint64_t va : vas) {
        if (!mode.is_canonical(va))
            throw InputError(fmt::format("{}: {:#x} is outside {} (try --levels 4)", o.from, va, mode.key));
        regions.push_back({va, 1, 4096});
    }
    const ModeCost cost = table_cost(mode, regions);
    if (o.json) {
        nlohmann::json pages = nlohmann::json::array();
        for (std::size_t i = 0; i < vas.size(); ++i) {
            nlohmann::json idx = nlohmann::json::array();
            for (const LevelDesc& d : mode.levels()) idx.push_back(d.index(vas[i]));
            pages.push_back({{"va", hex(vas[i])}, {"pa", pas[i]}, {"indices", idx}, {"offset", vas[i] & 0xfff}});
        }
        auto j = cost_json({&cost, 1}, {});
        nlohmann::json names = nlohmann::json::array();
        for (const LevelDesc& d : mode.levels()) names.push_back(d.table);
        std::cout << nlohmann::json{{"format", "vmtour-split-report/1"}, {"mode", mode.key}, {"levels", names},
                                    {"pages", pages}, {"tables", j["modes"][0]["levels"]}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::string header = fmt::format("{:<18}  {:<18}", "va", "pa");
    for (const LevelDesc& d : mode.levels()) header += fmt::format(" {:>5}", d.table);
    std::cout << header << "  offset\n";
    for (std::size_t i = 0; i < vas.size(); ++i) {
        std::string row = fmt::format("{:#018x}  {:<18}", vas[i], pas[i]);
        for (const LevelDesc& d : mode.levels()) row += fmt::format(" {:>5}", d.index(vas[i]));
        std::cout << row << fmt::format("  {:#05x}\n", vas[i] & 0xfff);
    }
    std::string tables;
    for (const LevelCost& l : cost.levels)
        tables += fmt::format("{}{} {}", tables.empty() ? "" : ", ", mode.level[l.level].table, l.tables);
    std::cout << fmt::format("\n{} pages in {}\ntables needed: {} ({})\nthe detail: vmsim cost --from {}\n",
                             vas.size(), mode.title, tables, human_bytes(static_cast<long double>(cost.total_bytes)),
                             o.from);
    return 0;
}

int run_split(const SplitOptions& o) {
    if (!o.from.empty()) {
        if (!o.vas.empty()) throw InputError("give addresses or --from FILE, not both");
        return run_split_report(o);
    }
    const PagingMode& mode = mode_of(o.levels, mode_2level());
    if (o.vas.empty()) throw InputError("give at least one virtual address, or --from FILE");
    if (o.json) {
        nlohmann::json addresses = nlohmann::json::array();
        for (const auto& text : o.vas) {
            const std::uint64_t va = parse_va(text, mode);
            addresses.push_back({{"va", hex(va)}, {"canonical", mode.is_canonical(va)}, {"split", split_json(mode, va)}});
        }
        std::cout << nlohmann::json{{"format", "vmtour-split/1"}, {"mode", mode.key}, {"addresses", addresses}}.dump(2)
                  << "\n";
        return 0;
    }
    for (const auto& text : o.vas) {
        const std::uint64_t va = parse_va(text, mode);
        std::cout << fmt::format("{:#x} in {}{}\n{}\n", va, mode.title,
                                 mode.is_canonical(va) ? "" : " (NOT canonical: any access is #GP)",
                                 render_split_text(mode, va));
    }
    return 0;
}

}  // namespace

void setup_translate(CLI::App& app, Runner& run) {
    auto o = std::make_shared<TranslateOptions>();
    auto* cmd = app.add_subcommand("translate", "Walk the page tables for virtual addresses, showing every step");
    cmd->add_option("va", o->vas, "Virtual addresses (hex with 0x, or decimal)")->required();
    add_machine_options(*cmd, o->machine);
    cmd->add_option("--access,-a", o->access, "Kind of access: r (read), w (write) or x (instruction fetch)")
        ->capture_default_str();
    auto* sup = cmd->add_flag("--supervisor,-s", o->supervisor, "Access from the kernel (CPL 0)");
    cmd->add_flag("--user,-u", o->user, "Access from a user program (CPL 3; the default)")->excludes(sup);
    cmd->add_flag("--json", o->json, "Print the walk as JSON");
    cmd->add_flag("--set-ad", o->set_ad,
                  "After a successful walk, set the Accessed (and for writes Dirty) bits as the CPU does, "
                  "and show which entries changed (the default explain mode changes nothing)");
    cmd->add_option("--svg", o->svg, "Also draw the walk as a picture (SVG) in FILE (one address)")
        ->check(svg_file());
    cmd->footer(
        "Modelled (Intel SDM vol. 3A ch. 4): the four paging modes, P R/W U/S PS XD and\n"
        "reserved bits, MAXPHYADDR, PSE-36, CR0.WP, CR4.PSE/SMEP/SMAP, EFLAGS.AC,\n"
        "EFER.NXE, canonical addresses (#GP), the #PF error code, A/D updates, and the\n"
        "MOV to CR3: reserved CR3 bits and PAE's PDPTE registers (a bad PDPTE is #GP).\n"
        "Not modelled, so a real CPU may differ: protection keys, shadow stacks,\n"
        "implicit supervisor accesses (GDT, IDT...), AMD's must-be-zero bit 8 in a\n"
        "PML4E/PML5E, memory types (PWT, PCD, PAT, MTRRs), the TLB and PCIDs.\n"
        "Details: docs/machine-format.md.\n"
        "Exit status: 0 translated, 1 an access faults (#PF or #GP), 2 bad input.");
    finish_command(*cmd, "vmsim translate 0x1337babe --levels 2");
    cmd->callback([o, &run] { run = [o] { return run_translate(*o); }; });
}

void setup_split(CLI::App& app, Runner& run) {
    auto o = std::make_shared<SplitOptions>();
    auto* cmd = app.add_subcommand("split", "Show how virtual addresses split into table indices and the page offset");
    cmd->add_option("va", o->vas, "Virtual addresses");
    cmd->add_option("--levels,-l", o->levels, "Paging mode: 2, 3 (PAE), 4 or 5 (default 2; 4 with --from)")
        ->check(CLI::IsMember({2u, 3u, 4u, 5u}));
    cmd->add_option("--from,-f", o->from,
                    "vmreal output (text, CSV or JSON; '-' for stdin): one row per real page with its indices");
    cmd->add_flag("--json", o->json, "Print JSON");
    finish_command(*cmd, "vmsim split 0xffffffff81000000 0x1337babe --levels 4");
    cmd->callback([o, &run] { run = [o] { return run_split(*o); }; });
}

}  // namespace vmtour::cli
