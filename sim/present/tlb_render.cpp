#include "tlb_render.hpp"

#include "parse.hpp"
#include "render.hpp"

#include <fmt/format.h>

namespace vmtour {

using json = nlohmann::json;

namespace {

std::string_view use_name(TlbUse u) {
    switch (u) {
    case TlbUse::Instruction: return "instructions";
    case TlbUse::Data: return "data";
    case TlbUse::Both: return "instructions and data";
    }
    return "?";
}

std::string sizes_text(const Tlb& t, unsigned sizes) {
    std::string s;
    for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc)
        if ((sizes & (1u << sc)) && t.page_bytes(sc)) s += (s.empty() ? "" : "/") + size_name(t, sc);
    return s.empty() ? "none of this mode's sizes" : s;
}

std::string array_text(const Tlb& t, const TlbArrayGeom& a) {
    const std::string assoc = a.ways ? fmt::format("{}-way", a.ways) : std::string("fully assoc.");
    return fmt::format("{} x {} ({})", a.entries, sizes_text(t, a.sizes), assoc);
}

// The bytes a level maps when every entry holds a page of this size class.
std::uint64_t reach(const Tlb& t, const TlbLevelGeom& l, unsigned sc) {
    std::uint64_t n = 0;
    for (const TlbArrayGeom& a : l.arrays)
        if (a.sizes & (1u << sc)) n += a.entries;
    return n * t.page_bytes(sc);
}

std::string_view reason_name(FaultReason r) {
    switch (r) {
    case FaultReason::NonCanonical: return "non-canonical (#GP)";
    case FaultReason::NotPresent: return "not present";
    case FaultReason::ReservedBit: return "reserved bit";
    case FaultReason::SupervisorPage: return "supervisor page";
    case FaultReason::ReadOnly: return "read-only";
    case FaultReason::NoExecute: return "no-execute";
    case FaultReason::Smep: return "SMEP";
    case FaultReason::Smap: return "SMAP";
    case FaultReason::Cr3Reserved: return "reserved CR3 bit (#GP)";
    case FaultReason::PdpteReserved: return "reserved PDPTE bit (#GP)";
    }
    return "?";
}

std::string ratio(std::uint64_t a, std::uint64_t b) { return b ? fmt::format("{:.2f}", double(a) / double(b)) : "-"; }
std::string pct(std::uint64_t a, std::uint64_t b) { return b ? fmt::format("{:.1f}%", 100.0 * double(a) / double(b)) : "-"; }
// "1 fetch", "2 fetches".
std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string psc_names(const Tlb& t) {
    const PagingMode& mode = *t.machine().mode;
    std::string s;
    for (unsigned i = 0; i + 1 < mode.level_count; ++i)
        if (!mode.level[i].pdpte_pae) s += (s.empty() ? "" : ", ") + std::string(mode.level[i].entry);
    return s;
}

}  // namespace

std::string size_name(const Tlb& t, unsigned sc) { return format_size(t.page_bytes(sc)); }

std::string render_tlb_text(const Tlb& t, const TlbRunInfo& info) {
    const TlbGeometry& g = t.geometry();
    const TlbStats& s = t.stats();
    const PagingMode& mode = *t.machine().mode;
    std::string out = fmt::format("trace     {}\n", info.trace);
    out += fmt::format("machine   {}\n          {}\n", mode.title, info.machine);
    out += fmt::format("TLB       {}{}; CR4.PGE={} CR4.PCIDE={}\n", g.name, g.source.empty() ? "" : " (preset)",
                       t.pge() ? 1 : 0, t.pcide() ? 1 : 0);
    for (const TlbLevelGeom& l : g.levels) {
        std::string arrays;
        for (const TlbArrayGeom& a : l.arrays) arrays += (arrays.empty() ? "" : ", ") + array_text(t, a);
        out += fmt::format("  {:<5} {}\n", l.name, arrays);
    }
    if (g.psc_entries) out += fmt::format("  PSC   {} entries each: {}\n", g.psc_entries, psc_names(t));
    else out += "  PSC   none (no paging-structure caches)\n";
    out += "  replacement: LRU\n\n";

    out += fmt::format("accesses  {:>12}  ({}, {}, {})\n", s.accesses, counted(s.reads, "read", "reads"),
                       counted(s.writes, "write", "writes"), counted(s.fetches, "fetch", "fetches"));
    out += fmt::format("\n{:<7}{:<6}{:>14}{:>14}{:>10}\n", "level", "page", "hits", "misses", "hit rate");
    for (std::size_t li = 0; li < g.levels.size(); ++li) {
        bool any = false;
        for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc) {
            const std::uint64_t h = s.hits[li][sc], m = s.misses[li][sc];
            if (!h && !m) continue;
            any = true;
            out += fmt::format("{:<7}{:<6}{:>14}{:>14}{:>10}\n", g.levels[li].name, size_name(t, sc), h, m, pct(h, h + m));
        }
        if (!any) out += fmt::format("{:<7}{:<6}{:>14}{:>14}{:>10}\n", g.levels[li].name, "-", 0, 0, "-");
    }
    out += fmt::format("\nwalks     {:>12}  ({} after a write hit an entry with D=0)\n", s.walks, s.dirty_walks);
    out += fmt::format("faults    {:>12}", s.faults);
    if (s.spurious_faults) out += fmt::format("  ({} from stale cached rights)", s.spurious_faults);
    out += "\n";
    if (info.demand_maps)
        out += fmt::format("mapped    {:>12}  page{}, on first touch (--pages)\n", info.demand_maps,
                           info.demand_maps == 1 ? "" : "s");
    out += fmt::format("memory reads per walk: {} with the paging-structure caches, {} without\n",
                       ratio(s.mem_reads, s.walks), ratio(s.mem_reads_no_psc, s.walks));
    out += fmt::format("          {:>12}  reads in all, {} without the caches\n", s.mem_reads, s.mem_reads_no_psc);
    if (g.psc_entries) {
        std::string hits;
        for (unsigned i = 0; i + 1 < mode.level_count; ++i)
            if (!mode.level[i].pdpte_pae) hits += fmt::format("  {} {}", mode.level[i].entry, s.psc_hits[i]);
        out += fmt::format("PSC hits {}\n", hits);
    }
    out += "\nreach     (entries x page size, per level and page size)\n";
    for (const TlbLevelGeom& l : g.levels) {
        std::string r;
        for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc)
            if (t.page_bytes(sc) && reach(t, l, sc))
                r += fmt::format("  {}: {}", size_name(t, sc), human_bytes(static_cast<long double>(reach(t, l, sc))));
        out += fmt::format("  {:<5}{}\n", l.name, r);
    }
    out += fmt::format("\nevents    invlpg {}, cr3 {} ({} with bit 63), invpcid {}, cr4 {}, set {}\n", s.invlpg,
                       s.cr3_writes, s.cr3_noflush, s.invpcid, s.cr4_writes, s.sets);
    return out;
}

json tlb_json(const Tlb& t, const TlbRunInfo& info) {
    const TlbGeometry& g = t.geometry();
    const TlbStats& s = t.stats();
    const PagingMode& mode = *t.machine().mode;
    json levels = json::array();
    for (std::size_t li = 0; li < g.levels.size(); ++li) {
        const TlbLevelGeom& l = g.levels[li];
        json arrays = json::array(), hits = json::object(), misses = json::object(), rch = json::object();
        for (const TlbArrayGeom& a : l.arrays) {
            json sizes = json::array();
            for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc)
                if ((a.sizes & (1u << sc)) && t.page_bytes(sc)) sizes.push_back(size_name(t, sc));
            arrays.push_back({{"entries", a.entries}, {"ways", a.assoc()}, {"sets", a.sets()}, {"page_sizes", sizes}});
        }
        for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc) {
            if (!t.page_bytes(sc)) continue;
            hits[size_name(t, sc)] = s.hits[li][sc];
            misses[size_name(t, sc)] = s.misses[li][sc];
            rch[size_name(t, sc)] = reach(t, l, sc);
        }
        levels.push_back({{"name", l.name}, {"serves", use_name(l.use)}, {"arrays", arrays}, {"hits", hits},
                          {"misses", misses}, {"reach_bytes", rch}});
    }
    json psc = json::object();
    for (unsigned i = 0; i + 1 < mode.level_count; ++i)
        if (!mode.level[i].pdpte_pae && g.psc_entries) psc[std::string(mode.level[i].entry)] = s.psc_hits[i];
    return json{
        {"format", "vmtour-tlb/1"},
        {"trace", info.trace},
        {"mode", mode.key},
        {"machine", info.machine},
        {"tlb", {{"name", g.name}, {"source", g.source}, {"replacement", "LRU"}, {"psc_entries", g.psc_entries}}},
        {"cr4", {{"pge", t.pge()}, {"pcide", t.pcide()}}},
        {"accesses", {{"total", s.accesses}, {"reads", s.reads}, {"writes", s.writes}, {"fetches", s.fetches}}},
        {"levels", levels},
        {"walks", s.walks},
        {"dirty_walks", s.dirty_walks},
        {"faults", s.faults},
        {"spurious_faults", s.spurious_faults},
        {"demand_mapped_pages", info.demand_maps},
        {"memory_reads", {{"with_psc", s.mem_reads}, {"without_psc", s.mem_reads_no_psc}}},
        {"psc_hits", psc},
        {"events", {{"invlpg", s.invlpg}, {"cr3", s.cr3_writes}, {"cr3_noflush", s.cr3_noflush},
                    {"invpcid", s.invpcid}, {"cr4", s.cr4_writes}, {"set", s.sets}}},
    };
}

std::string render_tlb_access(const Tlb& t, const TraceEvent& e, std::uint64_t va, const TlbResult& r) {
    const char op = e.kind == EventKind::Write ? 'w' : e.kind == EventKind::Fetch ? 'x' : 'r';
    std::string what;
    if (r.hit_level >= 0) what = fmt::format("{} hit", t.geometry().levels[static_cast<unsigned>(r.hit_level)].name);
    else what = r.dirty_walk ? "D=0 walk" : "miss";
    std::string line = fmt::format("{} {:<18} {:<9}", op, hex(va), what);
    if (!r.ok) {
        line += fmt::format("fault: {}{} ", reason_name(r.fault.reason), r.spurious ? " (stale TLB rights)" : "");
    } else {
        line += fmt::format("{:<4}{:<16}", size_name(t, r.size_class), hex(r.pa));
    }
    if (r.walked) line += fmt::format(" walk {} read{} ({} w/o PSC)", r.reads, r.reads == 1 ? "" : "s", r.reads_no_psc);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
}

std::string render_tlb_event(const Tlb& t, const TraceEvent& e) {
    switch (e.kind) {
    case EventKind::Invlpg: return fmt::format("invlpg {}\n", hex(e.a));
    case EventKind::Cr3:
        return fmt::format("cr3 {}  (PCID {}{})\n", hex(e.a), t.pcid(),
                           t.pcide() && (e.a >> 63) ? ", no flush" : "");
    case EventKind::Set: return fmt::format("set {} {}  (memory only: nothing invalidated)\n", hex(e.a), hex(e.b));
    case EventKind::Pge: return fmt::format("cr4.pge {}\n", e.a);
    case EventKind::Pcide: return fmt::format("cr4.pcide {}\n", e.a);
    case EventKind::Invpcid: return fmt::format("invpcid type {} PCID {} {}\n", e.c, e.b, hex(e.a));
    default: return {};
    }
}

}  // namespace vmtour
