// tlb: replay an address trace through the TLB model (sim/machine/tlb.hpp) on a machine.
#include "bits.hpp"
#include "builder.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "cost.hpp"
#include "cpuid_tlb.hpp"
#include "input_words.hpp"
#include "parse.hpp"
#include "svg_doc.hpp"
#include "tlb.hpp"
#include "tlb_render.hpp"
#include "tlb_timeline.hpp"
#include "trace.hpp"

#include <fmt/format.h>
#include <iostream>
#include <array>
#include <bit>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

namespace vmtour::cli {

namespace {

struct TlbOptions {
    MachineOptions machine;
    std::string trace;
    std::string pages;    // "4K", "2M", "1G": map what the trace touches
    std::string tlb;      // ENTRIES[:WAYS]
    std::string config;   // a preset name, or "host"
    unsigned psc = 32;
    unsigned pge = 1;
    bool pcide = false;
    bool supervisor = false;
    bool verbose = false;
    bool json = false;
    bool parse_only = false;
    std::string svg;  // hits and misses over time, drawn here
};

TlbGeometry parse_tlb(const std::string& text) {
    const auto colon = text.find(':');
    auto entries = parse_u64(text.substr(0, colon));
    auto ways = colon == std::string::npos ? Parsed<std::uint64_t>{} : parse_u64(text.substr(colon + 1));
    if (!entries || !ways || entries.value == 0 || entries.value > (1u << 20) || ways.value > entries.value ||
        (colon != std::string::npos && ways.value == 0))
        throw InputError(fmt::format("--tlb takes ENTRIES or ENTRIES:WAYS, like 64 or 1536:12, not '{}'", text));
    TlbGeometry g = unified_tlb(static_cast<unsigned>(entries.value), static_cast<unsigned>(ways.value));
    if (auto err = check_geometry(g); !err.empty()) throw InputError(fmt::format("--tlb {}: {}", text, err));
    return g;
}

TlbGeometry choose_geometry(const TlbOptions& o) {
    if (!o.tlb.empty() && !o.config.empty()) throw InputError("give --tlb or --config, not both");
    if (!o.config.empty()) {
        if (o.config == "host") {
            HostTlb h = host_tlb();
            if (h.geometry.levels.empty()) {
                std::string notes;
                for (const auto& n : h.notes) notes += "\n  " + n;
                throw InputError(fmt::format("this {} CPU reports no TLB through CPUID:{}", h.vendor, notes));
            }
            return h.geometry;
        }
        if (const TlbGeometry* g = find_tlb_preset(o.config)) return *g;
        std::string names;
        for (const auto& g : tlb_presets()) names += ", " + g.name;
        throw InputError(fmt::format("--config '{}' is unknown (host{})", o.config, names));
    }
    return parse_tlb(o.tlb.empty() ? "64" : o.tlb);
}

// `vmsim tlb --config host` without a trace: what CPUID says.
int show_host(const TlbOptions& o) {
    const HostTlb h = host_tlb();
    if (o.json) {
        nlohmann::json levels = nlohmann::json::array();
        for (const auto& l : h.geometry.levels) {
            nlohmann::json arrays = nlohmann::json::array();
            for (const auto& a : l.arrays)
                arrays.push_back({{"entries", a.entries}, {"ways", a.assoc()}, {"sizes_mask", a.sizes}});
            levels.push_back({{"name", l.name}, {"arrays", arrays}});
        }
        std::cout << nlohmann::json{{"vendor", h.vendor}, {"levels", levels}, {"notes", h.notes}}.dump(2) << "\n";
        return h.geometry.levels.empty() ? EXIT_FAULT : 0;
    }
    std::cout << fmt::format("CPU vendor  {}\n", h.vendor);
    for (const auto& n : h.notes) std::cout << fmt::format("  {}\n", n);
    for (const auto& l : h.geometry.levels)
        for (const auto& a : l.arrays)
            std::cout << fmt::format("  {:<4} {:>5} entries, {}, page sizes{}{}{}\n", l.name, a.entries,
                                     a.ways ? fmt::format("{}-way", a.ways) : "fully associative",
                                     a.sizes & SIZES_4K ? " 4K" : "", a.sizes & SIZES_LARGE ? " 2M/4M" : "",
                                     a.sizes & SIZES_1G ? " 1G" : "");
    if (h.geometry.levels.empty()) {
        std::cout << "nothing reported: this CPU (or its hypervisor) does not describe its TLBs\n";
        return EXIT_FAULT;
    }
    return 0;
}

// The pages --pages has mapped, as one bit per page in 512-page regions (a 64-byte bitmap each),
// found through a small open-addressing table of regions. Every access of a replay asks it: a
// trace's pages cluster, so the bitmaps stay in the cache where a set of page addresses (one
// entry per page, scattered) missed it on nearly every access of a trace of many pages.
class PageSet {
public:
    explicit PageSet(std::uint64_t page_size) : shift_(static_cast<unsigned>(std::countr_zero(page_size))) {}
    // True when the page at `base` was not in the set yet.
    bool insert(std::uint64_t base) {
        const std::uint64_t n = base >> shift_;
        std::uint64_t& word = region(n >> 9)[(n >> 6) & 7];
        const std::uint64_t bit = std::uint64_t{1} << (n & 63);
        if (word & bit) return false;
        word |= bit;
        ++count_;
        return true;
    }
    std::size_t size() const { return count_; }

private:
    static constexpr std::uint64_t EMPTY = ~std::uint64_t{0};  // region numbers have at most 52 bits
    using Bits = std::array<std::uint64_t, 8>;

    std::uint64_t* region(std::uint64_t key) {
        if (key == last_key_) return bits_[last_].data();
        if ((bits_.size() + 1) * 2 > keys_.size()) grow();
        std::size_t i = slot(key);
        while (keys_[i] != key && keys_[i] != EMPTY) i = (i + 1) & (keys_.size() - 1);
        if (keys_[i] == EMPTY) {
            keys_[i] = key;
            index_[i] = static_cast<std::uint32_t>(bits_.size());
            bits_.push_back(Bits{});
        }
        last_key_ = key;
        last_ = index_[i];
        return bits_[last_].data();
    }
    std::size_t slot(std::uint64_t key) const {
        return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> (64 - log2_));
    }
    void grow() {
        std::vector<std::uint64_t> keys(keys_.empty() ? 16 : keys_.size() * 2, EMPTY);
        std::vector<std::uint32_t> index(keys.size());
        keys.swap(keys_);
        index.swap(index_);
        log2_ = static_cast<unsigned>(std::countr_zero(keys_.size()));
        for (std::size_t j = 0; j < keys.size(); ++j) {
            if (keys[j] == EMPTY) continue;
            std::size_t i = slot(keys[j]);
            while (keys_[i] != EMPTY) i = (i + 1) & (keys_.size() - 1);
            keys_[i] = keys[j];
            index_[i] = index[j];
        }
    }

    unsigned shift_;
    unsigned log2_ = 0;
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> index_;
    std::vector<Bits> bits_;
    std::uint64_t last_key_ = EMPTY;
    std::uint32_t last_ = 0;
    std::size_t count_ = 0;
};

// --pages: every page the trace touches is mapped when an access first finds it not present (the
// TLB calls map_on_fault from its walk: an OS's demand paging, without the fault being counted),
// frames handed out in order. A page mapped once is never mapped again: if a `set` unmaps it,
// its next access faults, as the trace asked.
struct DemandMapper {
    DemandMapper(Machine& machine, std::uint64_t page_size) : m(machine), page(page_size) {
        if (m.mode->level[0].pdpte_pae) load_pdptes();
    }
    Machine& m;
    std::uint64_t page;
    FrameAllocator tables{0x100000};
    PageTableBuilder builder{m, tables};    // allocates the top-level table: CR3
    std::uint64_t next_frame = 0x40000000;  // data frames above the tables, 1 GB aligned
    PageSet mapped{page};
    // Last-level tables the builder made for 4 KB pages, by their region (the span of one entry
    // above them; direct-mapped by the region's low bits), so a new page of a known region is
    // one PTE written here rather than a walk of the builder (a third of a miss-heavy replay).
    // What map() would check of such a page still is: the PTE is not present yet (`set` may have
    // written it), the frame fits the entry. A `set` may change the entries above too: forget()
    // on every `set` drops every table kept (a new generation), and the builder finds them again.
    struct KnownTable {
        std::uint64_t region = ~std::uint64_t{0};  // ~0: none
        std::uint64_t gen = 0;
        std::uint64_t pa = 0;
        const std::uint8_t* bytes = nullptr;
    };
    std::array<KnownTable, 1024> known{};
    std::uint64_t gen = 1;
    // Fixed for the run (one mode; nothing in a trace changes MAXPHYADDR): the span of a table's
    // region, the last level's index and entry size, and where a frame stops fitting a PTE (32
    // bits in 32-bit paging, MAXPHYADDR otherwise).
    const unsigned region_shift = m.mode->level[m.mode->level_count - 2].shift;
    const LevelDesc& pte_level = m.mode->level[m.mode->level_count - 1];
    const unsigned esize = m.mode->entry_size;
    const unsigned pa_bits = esize == 4 ? 32 : m.maxphyaddr();
    std::optional<Mmu> rules;  // next_table(), for finding a table

    static constexpr std::uint64_t FLAGS =
        bits::bit(bits::RW) | bits::bit(bits::US) | bits::bit(bits::A) | bits::bit(bits::D);
    void forget() { ++gen; }
    // PAE's four PDPTEs are registers, loaded by MOV to CR3 (SDM 4.4.1): a PDPTE written later
    // would not be seen until the next one. So all four page directories exist from the start,
    // as Linux allocates them with the top table (the TLB loads them when it is made).
    void load_pdptes() {
        for (std::uint64_t i = 0; i < 4; ++i) {
            const auto pd = tables.allocate(bits::bit(32));
            // The four frames after the root always fit, and a zero frame is written on first use.
            if (!pd || !m.mem.write64(m.root() + i * 8, *pd | bits::bit(bits::P)))
                throw InputError("--pages: no room for PAE's page directories");
        }
    }
    // The TLB's demand mapper: maps va's page if no access has found it before (true), else
    // leaves the fault to be taken (false).
    bool map_on_fault(std::uint64_t va) {
        const std::uint64_t base = va & ~(page - 1);
        if (!mapped.insert(base)) return false;
        if (!map_in_last_table(base)) {
            const std::string err = builder.map({base, next_frame, page, page, FLAGS});
            if (!err.empty()) throw InputError(fmt::format("--pages cannot map {:#x}: {}", base, err));
            if (page == bits::PAGE_SIZE) remember_table(base);
        }
        next_frame += page;
        if (tables.next() >= 0x40000000) throw InputError("--pages: the trace touches too many pages for this model");
        return true;
    }
    unsigned bottom() const { return m.mode->level_count - 1; }
    // What builder.map would write for a 4 KB page whose last-level table is known; false
    // (nothing written) where the builder must decide.
    bool map_in_last_table(std::uint64_t base) {
        if (page != bits::PAGE_SIZE) return false;
        const std::uint64_t region = base >> region_shift;
        const KnownTable& t = known[region % known.size()];
        if (t.region != region || t.gen != gen) return false;
        if ((next_frame + page - 1) >> pa_bits) return false;  // the builder says why
        const std::uint64_t offset = std::uint64_t{pte_level.index(base)} * esize;
        std::uint64_t old = 0;
        std::memcpy(&old, t.bytes + offset, esize);  // little-endian, as PhysMem
        if (bits::test(old, bits::P)) return false;  // the builder says it is mapped already
        return m.mem.write_entry(t.pa + offset, esize, next_frame | FLAGS | bits::bit(bits::P));
    }
    // Keeps the last-level table that maps `base` (just mapped by the builder), found from the
    // entries above it.
    void remember_table(std::uint64_t base) {
        const PagingMode& mode = *m.mode;
        if (!rules) rules.emplace(m);
        std::uint64_t table = m.root();
        for (unsigned i = 0; i < bottom(); ++i) {
            const std::uint64_t e = m.mem.read_entry(table + std::uint64_t{mode.level[i].index(base)} * mode.entry_size,
                                                     mode.entry_size);
            table = rules->next_table(e);
        }
        const std::uint64_t region = base >> region_shift;
        if (const std::uint8_t* bytes = m.mem.frame(table >> bits::PAGE_SHIFT))
            known[region % known.size()] = KnownTable{region, gen, table, bytes};
    }
};

// A trace's address in a 32-bit mode must fit 32 bits (a 64-bit program's lackey trace does not):
// said as `vmsim translate` says it, not replayed as a fault the CPU could not raise.
std::string access_beyond_32_bits(std::uint64_t va, std::uint64_t size, const PagingMode& mode) {
    if (va < mode.va_limit())  // an access that starts below 4 GB and ends above it
        return fmt::format("the {} bytes at {:#x} go past the end of {}'s 32-bit address space", size, va, mode.key);
    return beyond_32_bits(fmt::format("{:#x}", va), mode);
}

int run_tlb(const TlbOptions& o) {
    if (o.trace.empty()) {
        if (o.config == "host") return show_host(o);
        throw InputError("give a trace file ('-': stdin), or --config host for CPUID's TLBs");
    }
    if (o.parse_only) {  // for scripts/bench-tlb.sh: the cost of reading the trace alone
        TraceReader reader(o.trace);
        TraceEvent e;
        std::uint64_t n = 0, sum = 0;
        while (reader.next(e)) n++, sum += e.a;
        if (!reader.error().empty()) throw InputError(reader.error());
        std::cout << fmt::format("{} events (checksum {:#x})\n", n, sum);
        return 0;
    }
    if (!o.pages.empty() && !o.machine.machine_file.empty()) throw InputError("give --pages or --machine, not both");
    if (std::error_code ec; !o.svg.empty() && o.trace != "-" &&
                            (o.svg == o.trace || std::filesystem::equivalent(o.svg, o.trace, ec)))
        throw InputError(fmt::format("--svg {}: that is the trace", o.svg));
    const TlbGeometry geom = choose_geometry(o);
    if (auto err = check_geometry(geom); !err.empty()) throw InputError(err);

    Machine m;
    TlbRunInfo info;
    info.trace = o.trace == "-" ? "<stdin>" : o.trace;
    std::unique_ptr<DemandMapper> mapper;
    const bool pages_mode = !o.pages.empty() || (o.machine.machine_file.empty() && o.machine.levels == 0);
    if (pages_mode) {
        const std::string size = o.pages.empty() ? "4K" : o.pages;
        auto bytes = parse_size(size);
        if (!bytes || (bytes.value != 0x1000 && bytes.value != 0x200000 && bytes.value != 0x400000 && bytes.value != 0x40000000))
            throw InputError(fmt::format("--pages takes 4K, 2M, 4M or 1G, not '{}'", size));
        m.mode = &mode_of(o.machine.levels, mode_4level());
        m.name = "--pages";
        if (!has_page_size(*m.mode, bytes.value)) {
            std::string sizes;  // the mode's, smallest first (its levels go from the largest)
            for (const LevelDesc& d : m.mode->levels())
                if (has_page_size(*m.mode, d.entry_span()))
                    sizes = format_size(d.entry_span()) + (sizes.empty() ? "" : ", " + sizes);
            throw InputError(fmt::format("--pages {}: {} has pages of {}", size, m.mode->title, sizes));
        }
        mapper = std::make_unique<DemandMapper>(m, bytes.value);
        info.machine = fmt::format("every page the trace touches mapped as {} on first touch", format_size(bytes.value));
    } else {
        m = load(o.machine);
        info.machine = m.name;
    }
    TlbGeometry g = geom;
    g.psc_entries = o.psc;
    std::unique_ptr<Tlb> tlb;
    try {
        tlb = std::make_unique<Tlb>(m, std::move(g), o.pge != 0, o.pcide);
    } catch (const std::invalid_argument& e) {
        throw InputError(e.what());
    }
    if (mapper) tlb->set_demand_mapper([&mapper](std::uint64_t va) { return mapper->map_on_fault(va); });

    TraceReader reader(o.trace);
    if (!reader.error().empty()) throw InputError(reader.error());
    std::optional<TlbTimeline> timeline;
    if (!o.svg.empty()) timeline.emplace();
    // Kept in registers for the loop (the checks cost 7 instructions an access read through m).
    TlbTimeline* const drawn = timeline ? &*timeline : nullptr;
    const bool note_events = drawn || o.verbose;  // the events other than accesses are drawn or printed
    const std::uint64_t va_end = m.mode->canonical ? ~std::uint64_t{0} : m.mode->va_limit() - 1;  // last address
    const bool user = !o.supervisor;
    std::string out;
    auto at = [&](const std::string& why) { return InputError(fmt::format("{}:{}: {}", reader.name(), reader.line(), why)); };
    TraceEvent e;
    while (reader.next(e)) {
        switch (e.kind) {
        case EventKind::Read:
        case EventKind::Write:
        case EventKind::Fetch: {
            const AccessType type = e.kind == EventKind::Read ? AccessType::Read
                                    : e.kind == EventKind::Write ? AccessType::Write : AccessType::Execute;
            // One access per 4 KB page the bytes touch (a lackey access may cross a page).
            const std::uint64_t last = e.a + e.size - 1;
            if (last > va_end) throw at(access_beyond_32_bits(e.a, e.size, *m.mode));
            for (std::uint64_t va = e.a;; va = (va | 0xfff) + 1) {
                const TlbResult r = [&] {
                    try {
                        return tlb->access(va, Access{type, user});
                    } catch (const InputError& err) {  // --pages: says which line's page could not be mapped
                        throw at(err.what());
                    }
                }();
                if (o.verbose) out += render_tlb_access(*tlb, e, va, r);
                if (drawn) drawn->access(r);
                if ((va | 0xfff) >= last || (va | 0xfff) == ~std::uint64_t{0}) break;
            }
            break;
        }
        case EventKind::Invlpg:
            if (e.a > va_end) throw at(access_beyond_32_bits(e.a, 1, *m.mode));
            tlb->invlpg(e.a);
            break;
        case EventKind::Cr3:
            // With --pages there is one address space: VALUE gives only the PCID and bit 63.
            if (auto err = tlb->write_cr3(mapper ? (m.root() | (e.a & 0xfff) | (e.a & bits::bit(63))) : e.a);
                !err.empty())
                throw at(err);
            break;
        case EventKind::Set:
            if (mapper) mapper->forget();
            if (!tlb->write_entry(e.a, e.b)) throw at("physical memory is full (docs/machine-format.md, Limits)");
            break;
        case EventKind::Pge: tlb->set_pge(e.a != 0); break;
        case EventKind::Pcide:
            if (auto err = tlb->set_pcide(e.a != 0); !err.empty()) throw at(err);
            break;
        case EventKind::Invpcid:
            if (auto err = tlb->invpcid(e.c, static_cast<unsigned>(e.b), e.a); !err.empty()) throw at(err);
            break;
        }
        if (note_events && e.kind != EventKind::Read && e.kind != EventKind::Write && e.kind != EventKind::Fetch) {
            if (drawn) drawn->mark(e.kind == EventKind::Cr3 ? TlbTimeline::Mark::Cr3 : TlbTimeline::Mark::Other);
            if (o.verbose) out += render_tlb_event(*tlb, e);
        }
        if (out.size() > (1u << 16)) {
            std::cout << out;
            out.clear();
        }
    }
    if (!reader.error().empty()) throw InputError(reader.error());
    if (mapper) info.demand_maps = mapper->mapped.size();
    if (timeline)
        if (auto err = svg::write_file_atomic(o.svg, svg_tlb_timeline(*tlb, *timeline, info)); !err.empty())
            throw InputError(err);
    if (o.json) {
        std::cout << out << tlb_json(*tlb, info).dump(2) << "\n";
    } else {
        if (o.verbose) out += "\n";
        std::cout << out << render_tlb_text(*tlb, info);
    }
    return 0;
}

}  // namespace

void setup_tlb(CLI::App& app, Runner& run) {
    auto opt = std::make_shared<TlbOptions>();
    CLI::App* cmd = app.add_subcommand("tlb", "Replay an address trace through a TLB and paging-structure caches");
    cmd->add_option("trace", opt->trace,
                    "Trace file ('-' reads stdin): lines 'r VA', 'w VA', 'x VA', 'invlpg VA', 'cr3 VALUE', "
                    "'set PA VALUE', 'cr4.pge B', 'cr4.pcide B', 'invpcid TYPE PCID [VA]', or valgrind "
                    "--tool=lackey --trace-mem=yes output");
    add_machine_options(*cmd, opt->machine);
    cmd->add_option("--pages", opt->pages,
                    "Map every page the trace touches with pages of this size: 4K, 2M (4M in 2-level) or 1G "
                    "(the default, with 4K and --levels 4, when no --machine or --levels is given)");
    cmd->add_option("--tlb", opt->tlb, "One unified LRU TLB: ENTRIES, fully associative, or ENTRIES:WAYS (default 64)");
    cmd->add_option("--config", opt->config, "A named CPU (skylake, zen2; docs/tlb.md), or host: what this CPU's CPUID reports");
    cmd->add_option("--psc", opt->psc, "Entries in each paging-structure cache, 0 for none (default 32, at most 65536)");
    cmd->add_option("--pge", opt->pge, "CR4.PGE at the start: 1 (G=1 entries survive CR3 writes) or 0 (default 1)")
        ->check(CLI::IsMember({0u, 1u}));
    cmd->add_flag("--pcide", opt->pcide, "Start with CR4.PCIDE=1: CR3[11:0] is the PCID (64-bit modes)");
    cmd->add_flag("--supervisor", opt->supervisor, "Accesses are supervisor-mode (default user-mode)");
    cmd->add_flag("--verbose,-v", opt->verbose, "One line per access: hit or miss, the level, the physical address");
    cmd->add_flag("--json", opt->json, "JSON output");
    cmd->add_option("--svg", opt->svg,
                    "Also draw the hits and misses over time as a picture (SVG) in FILE")
        ->check(svg_file());
    cmd->add_flag("--parse-only", opt->parse_only, "Only read the trace (for measuring the model's cost)")->group("");
    finish_command(*cmd, "printf 'r 0x1000\\nr 0x2000\\nr 0x1000\\n' | vmsim tlb - --verbose");
    cmd->callback([opt, &run] { run = [opt] { return run_tlb(*opt); }; });
}

}  // namespace vmtour::cli
