// check: replay a machine file's `expect` lines with the simulator's walker.
#include "commands.hpp"
#include "common.hpp"
#include "machine_file.hpp"
#include "render.hpp"
#include "walk.hpp"

#include <fmt/format.h>
#include <iostream>
#include <map>

namespace vmtour::cli {

namespace {

struct CheckOptions {
    std::string file;
    bool json = false;
};

// Where the page tables send `va`, regardless of access rights: the check compares mappings, and
// a kernel address walked "as the kernel" may still be refused by SMAP/SMEP or XD.
std::optional<std::uint64_t> mapped_pa(const Mmu& mmu, std::uint64_t va) {
    const Walk w = mmu.walk(va, Access{AccessType::Read, false});
    if (w.step_count == 0) return std::nullopt;
    const Step& last = w.steps[w.step_count - 1];
    if (last.kind != StepKind::Leaf) return std::nullopt;
    const std::uint64_t span = mmu.machine().mode->level[last.level].entry_span();
    return last.next | (va & (span - 1));
}

// An expect line that names its access ("expect VA fault w user") is judged as that access:
// rights and all, as a quiz asked it.
std::optional<std::uint64_t> judged_pa(const Mmu& mmu, const Expect& e) {
    const Walk w = mmu.walk(e.va, Access{static_cast<AccessType>(*e.access_type), e.user});
    if (!w.ok) return std::nullopt;
    return w.translation.pa;
}

int run_check(const CheckOptions& o) {
    auto loaded = load_machine(o.file);
    if (!loaded) throw InputError(loaded.error);
    const Machine& m = loaded.value;
    if (m.expects.empty()) throw InputError(fmt::format("{} has no 'expect' lines to check", o.file));
    const Mmu mmu(m);
    struct Tally {
        std::uint64_t compared = 0, agree = 0;
    };
    std::map<std::string, Tally> by_source;
    nlohmann::json bad = nlohmann::json::array();
    std::string bad_text;
    for (const Expect& e : m.expects) {
        const auto got = e.access_type ? judged_pa(mmu, e) : mapped_pa(mmu, e.va);
        Tally& t = by_source[e.source.empty() ? "-" : e.source];
        ++t.compared;
        if (got == e.pa) {
            ++t.agree;
            continue;
        }
        const std::string want = e.pa ? hex(*e.pa) : "fault";
        const std::string have = got ? hex(*got) : "fault";
        bad.push_back({{"va", hex(e.va)}, {"source", e.source}, {"line", e.line}, {"expected", want}, {"simulator", have}});
        bad_text += fmt::format("{}:{}: {:#x} ({}): expected {}, simulator: {}\n", o.file, e.line, e.va,
                                e.source.empty() ? "-" : e.source, want, have);
    }
    std::uint64_t total = 0, agree = 0;
    for (const auto& [_, t] : by_source) {
        total += t.compared;
        agree += t.agree;
    }
    if (o.json) {
        nlohmann::json sources = nlohmann::json::object();
        for (const auto& [name, t] : by_source) sources[name] = {{"compared", t.compared}, {"agree", t.agree}};
        std::cout << nlohmann::json{{"format", "vmtour-check/1"}, {"file", o.file}, {"mode", m.mode->key}, {"compared", total}, {"agree", agree},
                                    {"sources", sources}, {"disagreements", bad}}
                         .dump(2)
                  << "\n";
    } else {
        std::cout << fmt::format("{}: {}, {} expectations\n", o.file, m.mode->title, total);
        std::cout << fmt::format("  {:<12} {:>9} {:>9} {:>9}\n", "source", "compared", "agree", "disagree");
        for (const auto& [name, t] : by_source)
            std::cout << fmt::format("  {:<12} {:>9} {:>9} {:>9}\n", name, t.compared, t.agree, t.compared - t.agree);
        std::cout << bad_text;
        std::cout << (agree == total ? fmt::format("all {} agree\n", total)
                                     : fmt::format("{} of {} disagree\n", total - agree, total));
    }
    return agree == total ? 0 : EXIT_FAULT;
}

}  // namespace

void setup_check(CLI::App& app, Runner& run) {
    auto o = std::make_shared<CheckOptions>();
    auto* cmd = app.add_subcommand("check", "Replay a machine file's 'expect' lines and report disagreements");
    cmd->add_option("file", o->file, "Machine file (for example a kernel module snapshot)")->required();
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->footer("Exit status: 0 every expectation agrees, 1 some disagree, 2 bad input.");
    finish_command(*cmd, "vmsim check \"$(vmsim lesson dir)\"/09-*/recorded/pae/direct.machine");
    cmd->callback([o, &run] { run = [o] { return run_check(*o); }; });
}

}  // namespace vmtour::cli
