#include "common.hpp"

#include "examples.hpp"
#include "input_words.hpp"
#include "machine_file.hpp"
#include "parse.hpp"
#include "report.hpp"
#include "svg_doc.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour::cli {

void finish_command(CLI::App& cmd, std::string_view example) {
    cmd.set_version_flag("--version", VERSION_TEXT);
    const std::string before = cmd.get_footer();
    cmd.footer(fmt::format("{}{}Example:\n  {}", before, before.empty() ? "" : "\n", example));
}

const CLI::Validator& unsigned_number() {
    static const CLI::Validator v(
        [](const std::string& s) {
            if (!s.empty() && (s[0] == '-' || s[0] == '+')) return std::string("must be an unsigned number");
            // A number too large for 64 bits, which the conversion would clamp to 2^64 - 1 without a
            // word (anything else that is not a number, the conversion refuses itself).
            const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
            const std::string_view d = hex ? std::string_view(s).substr(2) : std::string_view(s);
            const bool digits = !d.empty() && std::all_of(d.begin(), d.end(), [&](char c) {
                return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            });
            return digits && !parse_u64(s) ? s + " is too large" : std::string();
        },
        "", "unsigned");
    return v;
}

const CLI::Validator& svg_file() {
    static const CLI::Validator v([](const std::string& s) { return svg::check_writable(s); }, "FILE", "svg file");
    return v;
}

void add_machine_options(CLI::App& cmd, MachineOptions& opt) {
    cmd.add_option("--levels,-l", opt.levels,
                   "Paging mode: 2 (32-bit), 3 (PAE), 4 (x86_64) or 5 (x86_64 with LA57); "
                   "picks the built-in example machine when no --machine is given (default 2)")
        ->check(CLI::IsMember({2u, 3u, 4u, 5u}));
    cmd.add_option("--machine,-M", opt.machine_file,
                   "Machine file to use instead of the built-in example (docs/machine-format.md; '-' reads stdin)");
}

const PagingMode& mode_of(unsigned levels, const PagingMode& fallback) {
    if (levels == 0) return fallback;
    const PagingMode* mode = mode_for_levels(levels);
    if (!mode) throw InputError(fmt::format("--levels must be 2, 3, 4 or 5, not {}", levels));
    return *mode;
}

Machine load(const MachineOptions& opt) {
    if (opt.machine_file.empty()) return example_machine(mode_of(opt.levels, mode_2level()));
    auto m = load_machine(opt.machine_file);
    if (!m) throw InputError(m.error);
    if (opt.levels && m.value.mode->level_count != opt.levels)
        throw InputError(fmt::format("--levels {} disagrees with {}, which is {} ({} levels)", opt.levels,
                                     opt.machine_file, m.value.mode->key, m.value.mode->level_count));
    return std::move(m.value);
}

std::vector<Region> load_report_regions(const std::string& path) {
    auto text = read_input(path, "vmreal output");
    if (!text) throw InputError(text.error);
    auto records = parse_report(text.value);
    if (!records) throw InputError(fmt::format("{}: {}", path, records.error));
    if (records.value.empty()) throw InputError(fmt::format("{}: no pages in the vmreal output", path));
    constexpr std::uint64_t THP_SIZE = std::uint64_t{2} << 20;  // x86's PMD-sized THP
    std::vector<Region> regions;
    for (const PageRecord& r : records.value) {
        if (r.flags & kThp) regions.push_back({r.va & ~(THP_SIZE - 1), THP_SIZE, THP_SIZE});
        else regions.push_back({r.va, 4096, 4096});
    }
    return regions;
}

std::vector<std::uint64_t> load_report_vas(const std::string& path, std::vector<std::string>* pas) {
    auto text = read_input(path, "vmreal output");
    if (!text) throw InputError(text.error);
    auto records = parse_report(text.value);
    if (!records) throw InputError(fmt::format("{}: {}", path, records.error));
    if (records.value.empty()) throw InputError(fmt::format("{}: no pages in the vmreal output", path));
    std::vector<std::uint64_t> vas;
    vas.reserve(records.value.size());
    for (const PageRecord& r : records.value) {
        vas.push_back(r.va);
        if (pas) pas->push_back(r.pa ? fmt::format("{:#x}", *r.pa) : std::string(pa_word(r.status)));
    }
    return vas;
}

std::uint64_t parse_va(const std::string& text, const PagingMode& mode) {
    const auto v = parse_virtual_address(text, mode);
    if (!v) throw InputError(v.error);
    return v.value;
}

}  // namespace vmtour::cli
