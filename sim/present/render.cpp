#include "render.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "parse.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

using nlohmann::json;

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

std::string human_bytes(long double bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned u = 0;
    while (bytes >= 1024 && u + 1 < std::size(units)) {
        bytes /= 1024;
        ++u;
    }
    if (bytes == static_cast<long double>(static_cast<std::uint64_t>(bytes)))
        return fmt::format("{} {}", static_cast<std::uint64_t>(bytes), units[u]);
    return fmt::format("{:.1f} {}", static_cast<double>(bytes), units[u]);
}

std::vector<AddressField> split_address(const PagingMode& mode, std::uint64_t va) {
    std::vector<AddressField> fields;
    if (mode.canonical)
        fields.push_back({"sign extension", 63, mode.va_bits, va >> mode.va_bits});
    for (const LevelDesc& d : mode.levels())
        fields.push_back({fmt::format("{} index", d.table), d.shift + d.bits - 1, d.shift, d.index(va)});
    fields.push_back({"offset", bits::PAGE_SHIFT - 1, 0, va & (bits::PAGE_SIZE - 1)});
    return fields;
}

namespace {

std::string binary(std::uint64_t v, unsigned width) {
    std::string s;
    for (unsigned i = width; i-- > 0;) s += ((v >> i) & 1) ? '1' : '0';
    return s;
}

std::string field_value(const AddressField& f) {
    if (f.name == "offset" || f.name == "sign extension") return hex(f.value);
    return fmt::format("{} ({:#x})", f.value, f.value);
}

std::string field_bits(const AddressField& f) {
    const unsigned width = f.hi - f.lo + 1;
    // The sign extension is 16 or 7 bits of copies: hex says it as well and stays narrow.
    return width > 12 ? hex(f.value) : binary(f.value, width);
}

std::string perms_text(const Perms& p) {
    return fmt::format("{}, {}, {}", p.user ? "user" : "supervisor only", p.writable ? "writable" : "read-only",
                       p.executable ? "executable" : "no-execute");
}

std::string step_flags(const Machine& m, const Step& s) {
    const PagingMode& mode = *m.mode;
    const bool is_last = s.level + 1 == mode.level_count;
    const bool large = s.kind == StepKind::Leaf && !is_last;
    return flag_labels(s.raw, !is_last, large, mode.has_xd);
}

std::string control_text(const Machine& m) {
    std::string out = fmt::format("CR3={:#x}", m.ctl.cr3);
    if (m.mode->level[0].needs_pse) out += fmt::format(" CR4.PSE={}", int{m.ctl.cr4_pse});
    out += fmt::format(" CR0.WP={}", int{m.ctl.cr0_wp});
    if (m.mode->has_xd) out += fmt::format(" EFER.NXE={}", int{m.ctl.efer_nxe});
    out += fmt::format(" CR4.SMEP={} CR4.SMAP={}", int{m.ctl.cr4_smep}, int{m.ctl.cr4_smap});
    if (m.ctl.cr4_smap) out += fmt::format(" EFLAGS.AC={}", int{m.ctl.rflags_ac});
    return out;
}

std::vector<std::string> error_code_bits(std::uint32_t code) {
    static constexpr struct { std::uint32_t bit; const char* name; } names[] = {
        {pf::P, "P"}, {pf::WR, "W/R"}, {pf::US, "U/S"}, {pf::RSVD, "RSVD"}, {pf::ID, "I/D"}};
    std::vector<std::string> out;
    for (auto [b, n] : names)
        if (code & b) out.emplace_back(n);
    return out;
}

std::string kind_name(StepKind k) {
    switch (k) {
    case StepKind::Table: return "table";
    case StepKind::Leaf: return "page";
    case StepKind::NotPresent: return "not present";
    case StepKind::Reserved: return "reserved bits set";
    }
    return "?";
}

}  // namespace

std::string render_split_text(const PagingMode& mode, std::uint64_t va) {
    const auto fields = split_address(mode, va);
    std::vector<std::array<std::string, 4>> cols;
    for (const auto& f : fields)
        cols.push_back({fmt::format("{}..{}", f.hi, f.lo), f.name, field_bits(f), field_value(f)});
    std::vector<std::size_t> width(cols.size());
    for (std::size_t i = 0; i < cols.size(); ++i)
        for (const auto& cell : cols[i]) width[i] = std::max(width[i], cell.size());
    std::string out;
    static constexpr const char* row_names[] = {"bits", "field", "binary", "value"};
    for (unsigned r = 0; r < 4; ++r) {
        out += fmt::format("  {:<7}", row_names[r]);
        std::string row;
        for (std::size_t i = 0; i < cols.size(); ++i) row += fmt::format("| {:<{}} ", cols[i][r], width[i]);
        while (!row.empty() && row.back() == ' ') row.pop_back();
        out += row + "\n";
    }
    return out;
}

std::string render_walk_text(const Machine& m, const Walk& w) {
    const PagingMode& mode = *m.mode;
    std::string out = fmt::format("{} {} of {:#x} on the {}\n", w.access.user ? "user-mode" : "supervisor-mode",
                                  access_name(w.access.type), w.va, m.name);
    out += fmt::format("mode: {}   {}\n\n", mode.title, control_text(m));
    if (!w.ok && w.fault.general_protection) {
        out += fmt::format("#GP  {}\n", describe(w.fault, w, mode));
        return out;
    }
    out += fmt::format("virtual address {:#x}\n{}\n", w.va, render_split_text(mode, w.va));
    for (unsigned i = 0; i < w.step_count; ++i) {
        const Step& s = w.steps[i];
        const LevelDesc& d = mode.level[s.level];
        out += fmt::format("step {}  {:<4}  table at {:#x}{}, index {} ({:#x})\n", i + 1, d.table, s.table,
                           i == 0 ? " (from CR3)" : "", s.index, s.index);
        out += fmt::format("        {} at {:#x} + {} * {} = {:#x}\n", d.entry, s.table, s.index, mode.entry_size,
                           s.entry_addr);
        std::string what;
        switch (s.kind) {
        case StepKind::Table:
            what = fmt::format("-> {} at {:#x}", mode.level[s.level + 1].table, s.next);
            break;
        case StepKind::Leaf:
            what = fmt::format("-> {} page frame {:#x}", format_size(d.entry_span()), s.next);
            break;
        case StepKind::NotPresent: what = "-> not present"; break;
        case StepKind::Reserved: what = fmt::format("-> reserved bits {:#x} set", s.reserved); break;
        }
        const std::string flags = step_flags(m, s);
        out += fmt::format("        raw {:#0{}x}  [{}]  {}\n", s.raw, mode.entry_size * 2 + 2,
                           flags.empty() ? "no flags" : flags, what);
    }
    if (w.ok) {
        const Translation& t = w.translation;
        const std::uint64_t offset = w.va & (t.page_size - 1);
        out += fmt::format("\nresult  {:#x} + {:#x} = {:#x}  ({} page; {})\n", t.pa - offset, offset, t.pa,
                           format_size(t.page_size), perms_text(t.perms));
        if (t.page_size > bits::PAGE_SIZE)
            out += fmt::format("        a {} page: the offset is bits {}..0 of the address, not 11..0\n",
                               format_size(t.page_size), mode.level[t.leaf_level].shift - 1);
    } else {
        const auto names = error_code_bits(w.fault.error_code);
        std::string joined;
        for (const auto& n : names) joined += (joined.empty() ? "" : " ") + n;
        out += fmt::format("\n#PF  {}\n     error code {:#x} [{}], CR2 = {:#x}\n", describe(w.fault, w, mode),
                           w.fault.error_code, joined.empty() ? "none set" : joined, w.va);
    }
    return out;
}

json control_json(const Machine& m) {
    return json{{"cr3", hex(m.ctl.cr3)},           {"cr0.wp", m.ctl.cr0_wp},       {"cr4.pse", m.ctl.cr4_pse},
                {"cr4.smep", m.ctl.cr4_smep},      {"cr4.smap", m.ctl.cr4_smap},   {"efer.nxe", m.ctl.efer_nxe},
                {"rflags.ac", m.ctl.rflags_ac},    {"maxphyaddr", m.maxphyaddr()}};
}

json split_json(const PagingMode& mode, std::uint64_t va) {
    json fields = json::array();
    for (const auto& f : split_address(mode, va))
        fields.push_back({{"field", f.name}, {"hi", f.hi}, {"lo", f.lo}, {"value", f.value}, {"hex", hex(f.value)}});
    return fields;
}

json walk_json(const Machine& m, const Walk& w) {
    const PagingMode& mode = *m.mode;
    json steps = json::array();
    for (unsigned i = 0; i < w.step_count; ++i) {
        const Step& s = w.steps[i];
        const LevelDesc& d = mode.level[s.level];
        json flags = json::array();
        const std::string labels = step_flags(m, s);
        for (std::size_t p = 0; p < labels.size();) {
            const auto sp = labels.find(' ', p);
            flags.push_back(labels.substr(p, sp == std::string::npos ? std::string::npos : sp - p));
            if (sp == std::string::npos) break;
            p = sp + 1;
        }
        json step{{"level", s.level},         {"table", d.table},        {"entry", d.entry},
                  {"table_base", hex(s.table)}, {"index", s.index},      {"entry_address", hex(s.entry_addr)},
                  {"raw", hex(s.raw)},        {"flags", flags},          {"kind", kind_name(s.kind)},
                  {"perms", {{"user", s.perms.user}, {"writable", s.perms.writable}, {"executable", s.perms.executable}}}};
        if (s.kind == StepKind::Table || s.kind == StepKind::Leaf) step["next"] = hex(s.next);
        if (s.kind == StepKind::Leaf) step["page_size"] = d.entry_span();
        if (s.kind == StepKind::Reserved) step["reserved_bits"] = hex(s.reserved);
        steps.push_back(step);
    }
    json out{{"va", hex(w.va)},
             {"mode", mode.key},
             {"machine", m.name},
             {"access", {{"type", access_name(w.access.type)}, {"user", w.access.user}}},
             {"control", control_json(m)},
             {"split", split_json(mode, w.va)},
             {"steps", steps},
             {"ok", w.ok}};
    if (w.ok) {
        const Translation& t = w.translation;
        out["pa"] = hex(t.pa);
        out["page_size"] = t.page_size;
        out["perms"] = {{"user", t.perms.user}, {"writable", t.perms.writable}, {"executable", t.perms.executable}};
    } else {
        out["fault"] = {{"type", w.fault.general_protection ? "#GP" : "#PF"},
                        {"error_code", w.fault.error_code},
                        {"error_code_bits", error_code_bits(w.fault.error_code)},
                        {"level", w.fault.level},
                        {"reason", describe(w.fault, w, mode)}};
    }
    return out;
}

std::string render_memmap_text(const Machine& m, const MemoryMap& map) {
    const PagingMode& mode = *m.mode;
    const LevelDesc& d = mode.level[map.level];
    std::string out = fmt::format("memory map of {}, {}: one character per {} ({} each)\n", m.name, map.title,
                                  d.entry, format_size(map.cell_span));
    constexpr std::size_t per_row = 64;
    const unsigned addr_width = mode.va_bits <= 32 ? 8 : 16;
    for (std::size_t i = 0; i < map.cells.size(); i += per_row) {
        std::uint64_t va = map.first_va + i * map.cell_span;
        if (mode.canonical && ((va >> (mode.va_bits - 1)) & 1)) va |= ~(mode.va_limit() - 1);
        out += fmt::format("{:#0{}x}  {}\n", va, addr_width + 2, map.cells.substr(i, per_row));
    }
    out += fmt::format("\n{}\n", MEMMAP_LEGEND);
    return out;
}

json memmap_json(const Machine& m, const MemoryMap& map) {
    const LevelDesc& d = m.mode->level[map.level];
    return json{{"machine", m.name},       {"mode", m.mode->key},     {"view", map.title},
                {"entry", d.entry},        {"level", map.level},      {"first_va", hex(map.first_va)},
                {"cell_size", map.cell_span}, {"cells", map.cells}};
}

std::string render_cost_text(std::span<const ModeCost> costs, std::span<const Region> regions) {
    std::uint64_t pages = costs.empty() ? 0 : costs.front().pages;
    std::string out = fmt::format("page-table memory for {} region{} ({} pages of 4 KB mapped)\n\n",
                                  regions.size(), regions.size() == 1 ? "" : "s", pages);
    for (const ModeCost& c : costs) {
        out += fmt::format("{}\n", c.mode->title);
        for (const LevelCost& l : c.levels) {
            const LevelDesc& d = c.mode->level[l.level];
            out += fmt::format("  {:<5} {:>9} table{} x {:>5} B = {:>12}\n", d.table, l.tables, l.tables == 1 ? " " : "s",
                               c.mode->table_bytes(l.level), human_bytes(static_cast<long double>(l.bytes)));
        }
        out += fmt::format("  total {:>38}\n", human_bytes(static_cast<long double>(c.total_bytes)));
        out += fmt::format("  flat  one table for the whole {}-bit space:  {}\n\n", c.mode->va_bits,
                           human_bytes(c.flat_bytes));
    }
    return out;
}

json cost_json(std::span<const ModeCost> costs, std::span<const Region> regions) {
    json modes = json::array();
    for (const ModeCost& c : costs) {
        json levels = json::array();
        for (const LevelCost& l : c.levels)
            levels.push_back({{"table", c.mode->level[l.level].table},
                              {"tables", l.tables},
                              {"table_bytes", c.mode->table_bytes(l.level)},
                              {"bytes", l.bytes}});
        modes.push_back({{"mode", c.mode->key},
                         {"pages", c.pages},
                         {"levels", levels},
                         {"total_bytes", c.total_bytes},
                         {"flat_bytes", static_cast<double>(c.flat_bytes)}});
    }
    json regs = json::array();
    for (const Region& r : regions) regs.push_back({{"start", hex(r.start)}, {"size", r.size}});
    return json{{"regions", regs}, {"modes", modes}};
}

}  // namespace vmtour
