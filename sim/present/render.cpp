#include "render.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "parse.hpp"
#include "text.hpp"

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

// The entry's bits that mean something where it was found (see entry_labels).
std::string step_flags(const Machine& m, const Step& s) {
    const PagingMode& mode = *m.mode;
    const LevelDesc& d = mode.level[s.level];
    const bool is_last = s.level + 1 == mode.level_count;
    EntryKind k;
    k.leaf = s.kind == StepKind::Leaf;
    k.large = k.leaf && !is_last;
    k.pdpte_pae = d.pdpte_pae;
    k.has_xd = mode.has_xd;
    k.avl_high = mode.canonical;
    k.ps_ignored = !k.leaf && d.large_leaf && d.needs_pse && !m.ctl.cr4_pse;
    return entry_labels(s.raw, k);
}

std::string control_text(const Machine& m) {
    std::string out = fmt::format("      CR3={:#x}", m.ctl.cr3);
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

// One row per field, top bits first: at most 8 rows of about 50 columns, so the five-level
// split fits a terminal as well as the two-level one. Each index is drawn in the colour of the
// walk step it drives.
std::string render_split_text(const PagingMode& mode, std::uint64_t va) {
    const auto fields = split_address(mode, va);
    std::array<std::size_t, 3> width{4, 5, 6};  // "bits", "field", "binary"
    std::vector<std::array<std::string, 4>> rows;
    for (const auto& f : fields) {
        rows.push_back({fmt::format("{}..{}", f.hi, f.lo), f.name, field_bits(f), field_value(f)});
        for (std::size_t c = 0; c < 3; ++c) width[c] = std::max(width[c], rows.back()[c].size());
    }
    std::string out = fmt::format("  {:<{}}  {:<{}}  {:<{}}  value\n", "bits", width[0], "field", width[1], "binary",
                                  width[2]);
    const bool sign = mode.canonical;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const bool is_index = i >= (sign ? 1u : 0u) && i + 1 < rows.size();
        const Color c = is_index ? Style::level_color(static_cast<unsigned>(i - (sign ? 1 : 0))) : Color::None;
        const std::string line = fmt::format("{:<{}}  {:<{}}  {:<{}}  {}", r[0], width[0], r[1], width[1], r[2],
                                             width[2], r[3]);
        out += "  " + style().paint(line, c) + "\n";
    }
    return out;
}

namespace {

// The "-> where next" part of a step's third line.
std::string step_target(const PagingMode& mode, const Step& s) {
    const LevelDesc& d = mode.level[s.level];
    switch (s.kind) {
    case StepKind::Table: return fmt::format("-> {} at {:#x}", mode.level[s.level + 1].table, s.next);
    case StepKind::Leaf: return fmt::format("-> {} page frame {:#x}", format_size(d.entry_span()), s.next);
    case StepKind::NotPresent: return "-> not present";
    case StepKind::Reserved: return fmt::format("-> reserved bits {:#x} set", s.reserved);
    }
    return "";
}

std::string render_step(const Machine& m, const Walk& w, unsigned i) {
    const PagingMode& mode = *m.mode;
    const Step& s = w.steps[i];
    const LevelDesc& d = mode.level[s.level];
    const Style& st = style();
    const Color c = Style::level_color(s.level);
    std::string out = fmt::format("{}  {}  table at {:#x}{}, index {}\n",
                                  st.paint(fmt::format("step {}", i + 1), Color::Bold),
                                  st.paint(fmt::format("{:<4}", d.table), c), s.table, i == 0 ? " (from CR3)" : "",
                                  st.paint(fmt::format("{} ({:#x})", s.index, s.index), c));
    out += fmt::format("        {} at {:#x} + {} * {} = {:#x}\n", d.entry, s.table, s.index, mode.entry_size,
                       s.entry_addr);
    const std::string flags = step_flags(m, s);
    const std::string raw = fmt::format("        raw {:#0{}x}  [{}]", s.raw, mode.entry_size * 2 + 2,
                                        flags.empty() ? "no flags" : flags);
    const bool bad = s.kind == StepKind::NotPresent || s.kind == StepKind::Reserved;
    const std::string target = st.paint(step_target(mode, s), bad ? Color::Red : Color::None);
    // The target stays on the raw entry's line when both fit in 80 columns.
    if (display_width(raw) + 2 + display_width(target) <= TEXT_WIDTH) out += raw + "  " + target + "\n";
    else out += raw + "\n        " + target + "\n";
    return out;
}

}  // namespace

std::string render_walk_text(const Machine& m, const Walk& w) {
    const PagingMode& mode = *m.mode;
    const Style& st = style();
    std::string out = wrap(fmt::format("{} {} of {:#x} on the {}", w.access.user ? "user-mode" : "supervisor-mode",
                                       access_name(w.access.type), w.va, m.name)) + "\n";
    out += fmt::format("mode: {}\n{}\n\n", mode.title, wrap(control_text(m), TEXT_WIDTH, "      "));
    if (!w.ok && w.fault.general_protection) {
        out += st.paint(wrap(fmt::format("#GP  {}", describe(w.fault, w, mode)), TEXT_WIDTH, "     "), Color::Red);
        return out + "\n";
    }
    out += fmt::format("virtual address {:#x}\n{}\n", w.va, render_split_text(mode, w.va));
    for (unsigned i = 0; i < w.step_count; ++i) out += render_step(m, w, i);
    if (w.ok) {
        const Translation& t = w.translation;
        const std::uint64_t offset = w.va & (t.page_size - 1);
        out += fmt::format("\nresult  {:#x} + {:#x} = {}  ({} page)\n        {}\n", t.pa - offset, offset,
                           st.paint(hex(t.pa), Color::Green), format_size(t.page_size), perms_text(t.perms));
        if (t.page_size > bits::PAGE_SIZE)
            out += fmt::format("        a {} page: the offset is bits {}..0 of the address, not 11..0\n",
                               format_size(t.page_size), mode.level[t.leaf_level].shift - 1);
    } else {
        const auto names = error_code_bits(w.fault.error_code);
        std::string joined;
        for (const auto& n : names) joined += (joined.empty() ? "" : " ") + n;
        out += "\n" + st.paint(wrap(fmt::format("#PF  {}", describe(w.fault, w, mode)), TEXT_WIDTH, "     "), Color::Red);
        out += fmt::format("\n     error code {:#x} [{}], CR2 = {:#x}\n", w.fault.error_code,
                           joined.empty() ? "none set" : joined, w.va);
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
                        {"code", fault_code(w.fault.reason)},
                        {"error_code", w.fault.error_code},
                        {"error_code_bits", error_code_bits(w.fault.error_code)},
                        {"level", w.fault.level},
                        {"reason", describe(w.fault, w, mode)}};
        // A permission fault happens after the walk reached the page: where it would have gone.
        if (w.step_count && w.steps[w.step_count - 1].kind == StepKind::Leaf) {
            const Step& s = w.steps[w.step_count - 1];
            const std::uint64_t span = mode.level[s.level].entry_span();
            out["fault"]["pa"] = hex(s.next | (w.va & (span - 1)));
            out["fault"]["page_size"] = span;
        }
    }
    return out;
}

std::string_view fault_code(FaultReason r) {
    switch (r) {
    case FaultReason::NonCanonical: return "non-canonical";
    case FaultReason::NotPresent: return "not-present";
    case FaultReason::ReservedBit: return "reserved-bit";
    case FaultReason::SupervisorPage: return "supervisor-page";
    case FaultReason::ReadOnly: return "read-only";
    case FaultReason::NoExecute: return "no-execute";
    case FaultReason::Smep: return "smep";
    case FaultReason::Smap: return "smap";
    case FaultReason::Cr3Reserved: return "cr3-reserved";
    case FaultReason::PdpteReserved: return "pdpte-reserved";
    }
    return "?";
}

json with_format(std::string_view format, json body) {
    json out{{"format", format}};
    for (auto& [k, v] : body.items()) out[k] = std::move(v);
    return out;
}

json translate_json(json walks) { return json{{"format", "vmtour-translate/1"}, {"walks", std::move(walks)}}; }

std::string render_memmap_text(const Machine& m, const MemoryMap& map) {
    const PagingMode& mode = *m.mode;
    const LevelDesc& d = mode.level[map.level];
    std::string out = wrap(fmt::format("memory map of {}, {}", m.name, map.title)) + "\n";
    if (map.large) {
        const auto& p = *map.large;
        return out + wrap(fmt::format("a {} page at frame {:#x}, {}, {}: one page, no table below it",
                                      format_size(p.size), p.frame, p.user ? "user" : "supervisor only",
                                      p.writable ? "writable" : "read-only")) +
               "\n";
    }
    out += fmt::format("one character per {} ({} each)\n", d.entry, format_size(map.cell_span));
    // 64 cells after a 32-bit address, 32 after a 64-bit one: both fit 80 columns.
    const unsigned addr_width = mode.va_bits <= 32 ? 8 : 16;
    const std::size_t per_row = mode.va_bits <= 32 ? 64 : 32;
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
    json out{{"format", "vmtour-map/1"},
             {"machine", m.name},       {"mode", m.mode->key},     {"view", map.title},
             {"entry", d.entry},        {"level", map.level},      {"first_va", hex(map.first_va)},
             {"cell_size", map.cell_span}, {"cells", map.cells}};
    if (map.large)
        out["large_page"] = {{"size", map.large->size}, {"frame", hex(map.large->frame)},
                             {"user", map.large->user}, {"writable", map.large->writable}};
    return out;
}

namespace {

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

// Sizes in one style (human_bytes: B, KiB, MiB, ...), columns aligned, plurals right.
std::string render_cost_text(std::span<const ModeCost> costs, std::span<const Region> regions) {
    const std::uint64_t pages = costs.empty() ? 0 : costs.front().pages;
    std::string sizes;
    for (const Region& r : regions)
        if (sizes.find(human_bytes(static_cast<long double>(r.page_size))) == std::string::npos)
            sizes += (sizes.empty() ? "" : " and ") + human_bytes(static_cast<long double>(r.page_size));
    std::string out = wrap(fmt::format("page-table memory for {} mapped ({}, in {} pages)",
                                       human_bytes(static_cast<long double>(pages) * bits::PAGE_SIZE),
                                       plural(regions.size(), "region", "regions"), sizes)) +
                      "\n\n";
    for (const ModeCost& c : costs) {
        out += fmt::format("{}\n  {:<5} {:>9}  {:>10}  {:>10}\n", c.mode->title, "table", "how many", "each", "total");
        for (const LevelCost& l : c.levels) {
            const LevelDesc& d = c.mode->level[l.level];
            out += fmt::format("  {:<5} {:>9}  {:>10}  {:>10}\n", d.table, l.tables,
                               human_bytes(static_cast<long double>(c.mode->table_bytes(l.level))),
                               human_bytes(static_cast<long double>(l.bytes)));
        }
        out += fmt::format("  {:<5} {:>9}  {:>10}  {:>10}\n", "all", "", "",
                           human_bytes(static_cast<long double>(c.total_bytes)));
        out += fmt::format("  a flat table for the whole {}-bit space would take {}\n\n", c.mode->va_bits,
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
    for (const Region& r : regions)
        regs.push_back({{"start", hex(r.start)}, {"size", r.size}, {"page_size", r.page_size}});
    return json{{"format", "vmtour-cost/1"}, {"regions", regs}, {"modes", modes}};
}

}  // namespace vmtour
