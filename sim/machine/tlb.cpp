#include "tlb.hpp"

#include "bits.hpp"

#include <fmt/format.h>

namespace vmtour {

using bits::bit;

namespace {

constexpr std::uint64_t CR3_NOFLUSH = bit(63);     // MOV to CR3 with PCIDE=1: keep entries (4.10.4.1)
constexpr std::uint64_t CR3_PCID = bit(12) - 1;    // CR3[11:0] is the PCID when CR4.PCIDE=1 (4.10.1)

struct Entry {
    std::uint64_t vpn = 0;    // va >> page shift
    std::uint64_t frame = 0;  // physical address of the page
    std::uint64_t stamp = 0;  // last use, for LRU; 0 = empty
    std::uint16_t pcid = 0;
    std::uint8_t size_class = 0;
    std::uint8_t shift = 0;
    bool global = false, dirty = false;
    Perms perms;
};

// One set-associative array: sets * ways entries, set i at [i * ways, (i + 1) * ways).
struct Array {
    TlbArrayGeom g;
    std::vector<Entry> e;
    unsigned sets = 1, ways = 1;
};

struct Level {
    TlbLevelGeom g;
    std::vector<Array> arrays;
    bool serves(AccessType t) const {
        if (g.use == TlbUse::Both) return true;
        return (t == AccessType::Execute) == (g.use == TlbUse::Instruction);
    }
};

// A paging-structure cache of one mode level: address bits above the level's shift -> the table
// the next level reads. Fully associative, LRU.
struct PscEntry {
    std::uint64_t key = 0, next = 0, stamp = 0;
    std::uint16_t pcid = 0;
};

// Access rights of a cached translation (SDM 4.6; the same truth table as walk.cpp's):
//   user access: U/S=1; write: R/W=1; fetch: XD=0
//   supervisor: writes need R/W=1 or CR0.WP=0; fetches from user pages need SMEP=0;
//               data accesses to user pages need SMAP=0 or EFLAGS.AC=1
std::optional<FaultReason> refused(const Perms& p, Access a, const Control& c) {
    const bool write = a.type == AccessType::Write, fetch = a.type == AccessType::Execute;
    if (a.user && !p.user) return FaultReason::SupervisorPage;
    if (!a.user && p.user && fetch && c.cr4_smep) return FaultReason::Smep;
    if (!a.user && p.user && !fetch && c.cr4_smap && !c.rflags_ac) return FaultReason::Smap;
    if (write && !p.writable && (a.user || c.cr0_wp)) return FaultReason::ReadOnly;
    if (fetch && !p.executable) return FaultReason::NoExecute;
    return std::nullopt;
}

}  // namespace

struct Tlb::Impl {
    std::unique_ptr<Mmu> mmu;
    std::vector<Level> levels;
    std::array<std::vector<PscEntry>, 5> psc;  // [mode level]; empty vector: no cache there
    std::array<unsigned, SIZE_CLASSES> shift{}; // page shift per size class; 0: the mode has none
    unsigned bottom = 0;                        // the mode's last level
    bool pae_pdpte = false;                     // level 0 is PAE's PDPTE registers
    std::uint64_t clock = 0;

    Entry* find(Array& a, std::uint64_t va, std::uint16_t pcid) {
        if (a.sets == 1) {  // fully associative: one pass, each entry compared at its own page size
            std::array<std::uint64_t, SIZE_CLASSES> vpn{};
            for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc) vpn[sc] = shift[sc] ? va >> shift[sc] : ~std::uint64_t{0};
            for (Entry& x : a.e)
                if (x.stamp && x.vpn == vpn[x.size_class] && (x.global || x.pcid == pcid)) return &x;
            return nullptr;
        }
        for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc) {
            if (!(a.g.sizes & (1u << sc)) || !shift[sc]) continue;
            const std::uint64_t vpn = va >> shift[sc];
            Entry* set = &a.e[(vpn % a.sets) * a.ways];
            for (unsigned w = 0; w < a.ways; ++w) {
                Entry& x = set[w];
                if (x.stamp && x.vpn == vpn && x.size_class == sc && (x.global || x.pcid == pcid)) return &x;
            }
        }
        return nullptr;
    }
    void fill(Level& l, const Entry& proto) {
        for (Array& a : l.arrays) {
            if (!(a.g.sizes & (1u << proto.size_class))) continue;
            Entry* set = &a.e[(proto.vpn % a.sets) * a.ways];
            Entry* victim = set;
            for (unsigned w = 0; w < a.ways; ++w) {
                if (!set[w].stamp) { victim = &set[w]; break; }
                if (set[w].stamp < victim->stamp) victim = &set[w];
            }
            *victim = proto;
            victim->stamp = ++clock;
            return;  // the first array that holds this size
        }
    }
    template <typename Pred>
    void drop_tlb(Pred pred) {
        for (Level& l : levels)
            for (Array& a : l.arrays)
                for (Entry& x : a.e)
                    if (x.stamp && pred(x)) x.stamp = 0;
    }
    template <typename Pred>
    void drop_psc(Pred pred) {
        for (auto& c : psc)
            for (PscEntry& x : c)
                if (x.stamp && pred(x)) x.stamp = 0;
    }
    void drop_psc_at(unsigned lvl, std::uint64_t key, std::uint16_t pcid) {
        for (PscEntry& x : psc[lvl])
            if (x.stamp && x.key == key && x.pcid == pcid) x.stamp = 0;
    }
    PscEntry* psc_find(unsigned lvl, std::uint64_t key, std::uint16_t pcid) {
        for (PscEntry& x : psc[lvl])
            if (x.stamp && x.key == key && x.pcid == pcid) return &x;
        return nullptr;
    }
    void psc_fill(unsigned lvl, std::uint64_t key, std::uint16_t pcid, std::uint64_t next) {
        auto& c = psc[lvl];
        if (c.empty()) return;
        // One pass: the entry for this key if there is one, else an empty one, else the LRU one.
        PscEntry* victim = &c[0];
        for (PscEntry& x : c) {
            if (x.stamp && x.key == key && x.pcid == pcid) { victim = &x; break; }
            if (victim->stamp && (!x.stamp || x.stamp < victim->stamp)) victim = &x;
        }
        *victim = PscEntry{key, next, ++clock, pcid};
    }
};

Tlb::Tlb(Machine& m, TlbGeometry g, bool pge, bool pcide)
    : m_(m), geom_(std::move(g)), pge_(pge), pcide_(false), impl_(std::make_unique<Impl>()) {
    if (auto err = check_geometry(geom_); !err.empty()) throw std::invalid_argument(err);
    Impl& s = *impl_;
    s.mmu = std::make_unique<Mmu>(m_);
    const PagingMode& mode = *m_.mode;
    s.bottom = mode.level_count - 1;
    s.pae_pdpte = mode.level[0].pdpte_pae;
    // Size classes from the levels that may hold leaves, counted up from the last level.
    for (unsigned i = 0; i < mode.level_count; ++i) {
        const unsigned sc = s.bottom - i;
        if (sc < SIZE_CLASSES && s.mmu->leaf_allowed(i)) s.shift[sc] = mode.level[i].shift;
    }
    for (const TlbLevelGeom& lg : geom_.levels) {
        Level l{lg, {}};
        for (const TlbArrayGeom& ag : lg.arrays) {
            Array a{ag, {}, ag.sets(), ag.assoc()};
            a.e.resize(std::size_t{a.sets} * a.ways);
            l.arrays.push_back(std::move(a));
        }
        s.levels.push_back(std::move(l));
    }
    for (unsigned i = 0; i < s.bottom; ++i)
        if (!mode.level[i].pdpte_pae) s.psc[i].resize(geom_.psc_entries);
    stats_.hits.resize(s.levels.size());
    stats_.misses.resize(s.levels.size());
    if (pcide) {
        if (auto err = set_pcide(true); !err.empty()) throw std::invalid_argument(err);
    }
}

Tlb::~Tlb() = default;

std::uint64_t Tlb::page_bytes(unsigned sc) const { return impl_->shift[sc] ? bit(impl_->shift[sc]) : 0; }

std::size_t Tlb::valid_entries() const {
    std::size_t n = 0;
    for (const Level& l : impl_->levels)
        for (const Array& a : l.arrays)
            for (const Entry& x : a.e) n += x.stamp != 0;
    return n;
}

TlbResult Tlb::access(std::uint64_t va, Access a) {
    Impl& s = *impl_;
    TlbResult r;
    ++stats_.accesses;
    ++(a.type == AccessType::Write ? stats_.writes : a.type == AccessType::Execute ? stats_.fetches : stats_.reads);
    const auto pcid = static_cast<std::uint16_t>(pcid_);
    const bool write = a.type == AccessType::Write;

    // Look up the levels in order; the first hit ends the search.
    std::array<bool, 8> missed{};
    Entry* hit = nullptr;
    for (unsigned li = 0; li < s.levels.size() && !hit; ++li) {
        Level& l = s.levels[li];
        if (!l.serves(a.type)) continue;
        for (Array& arr : l.arrays)
            if ((hit = s.find(arr, va, pcid))) break;
        if (hit) r.hit_level = static_cast<int>(li);
        else if (li < missed.size()) missed[li] = true;
    }
    auto drop_va = [&] {  // a page fault invalidates what would translate va (4.10.4.2)
        s.drop_tlb([&](const Entry& x) { return (x.global || x.pcid == pcid) && x.vpn == va >> x.shift; });
        for (unsigned i = 0; i < s.bottom; ++i) s.drop_psc_at(i, va >> m_.mode->level[i].shift, pcid);
    };

    if (hit && !(write && !hit->dirty)) {
        hit->stamp = ++s.clock;
        r.size_class = hit->size_class;
        ++stats_.hits[static_cast<unsigned>(r.hit_level)][r.size_class];
        for (unsigned li = 0; li < s.levels.size() && li < missed.size(); ++li)
            if (missed[li]) {
                ++stats_.misses[li][r.size_class];
                s.fill(s.levels[li], *hit);
            }
        if (auto why = refused(hit->perms, a, m_.ctl)) {
            r.fault = Fault{*why, false, 0, -1};
            r.spurious = s.mmu->translate(va, a) != NO_TRANSLATION;
            stats_.spurious_faults += r.spurious;
            ++stats_.faults;
            drop_va();
            return r;
        }
        r.ok = true;
        r.pa = hit->frame | (va & (bit(hit->shift) - 1));
        return r;
    }

    // A miss (or a write hitting a clean entry): walk.
    r.walked = true;
    r.dirty_walk = hit != nullptr;
    if (hit) {  // the clean entry goes; every level that serves this access is refilled
        s.drop_tlb([&](const Entry& x) { return (x.global || x.pcid == pcid) && x.vpn == va >> x.shift; });
        for (unsigned li = 0; li < s.levels.size() && li < missed.size(); ++li)
            missed[li] = s.levels[li].serves(a.type);
        r.hit_level = -1;
    }
    ++stats_.walks;
    stats_.dirty_walks += r.dirty_walk;
    const Walk w = s.mmu->walk(va, a);
    const unsigned skipped_regs = s.pae_pdpte ? 1 : 0;  // PAE PDPTEs are registers, not reads
    r.reads_no_psc = w.step_count > skipped_regs ? w.step_count - skipped_regs : 0;
    r.reads = r.reads_no_psc;
    // The deepest paging-structure cache that holds this address and still agrees with memory.
    for (int i = static_cast<int>(s.bottom) - 1; i >= 0; --i) {
        const auto lvl = static_cast<unsigned>(i);
        if (s.psc[lvl].empty() || w.step_count <= lvl + 1 || w.steps[lvl].kind != StepKind::Table) continue;
        PscEntry* p = s.psc_find(lvl, va >> m_.mode->level[lvl].shift, pcid);
        if (!p) continue;
        if (p->next != w.steps[lvl].next) { p->stamp = 0; continue; }
        p->stamp = ++s.clock;
        r.psc_level = i;
        r.reads = w.step_count - (lvl + 1);
        ++stats_.psc_hits[lvl];
        break;
    }
    // Fill below the deepest hit (the hit itself and the levels above it are cached already).
    for (unsigned i = static_cast<unsigned>(r.psc_level + 1); i < w.step_count && i < s.bottom; ++i)
        if (w.steps[i].kind == StepKind::Table && !s.psc[i].empty())
            s.psc_fill(i, va >> m_.mode->level[i].shift, pcid, w.steps[i].next);
    stats_.mem_reads += r.reads;
    stats_.mem_reads_no_psc += r.reads_no_psc;

    if (!w.ok) {
        r.fault = w.fault;
        ++stats_.faults;
        if (!w.fault.general_protection) drop_va();
        return r;
    }
    apply_accessed_dirty(m_, w);  // the CPU sets A, and D for a write (4.8)
    const Translation& t = w.translation;
    const Step& leaf = w.steps[t.leaf_level];
    Entry e;
    e.shift = static_cast<std::uint8_t>(m_.mode->level[t.leaf_level].shift);
    e.size_class = static_cast<std::uint8_t>(s.bottom - t.leaf_level);
    e.vpn = va >> e.shift;
    e.frame = t.pa & ~(bit(e.shift) - 1);
    e.pcid = pcid;
    e.global = pge_ && bits::test(leaf.raw, bits::G);
    e.dirty = write || bits::test(leaf.raw, bits::D);
    e.perms = t.perms;
    r.size_class = e.size_class;
    for (unsigned li = 0; li < s.levels.size() && li < missed.size(); ++li)
        if (missed[li]) {
            ++stats_.misses[li][r.size_class];
            s.fill(s.levels[li], e);
        }
    r.ok = true;
    r.pa = t.pa;
    return r;
}

void Tlb::invlpg(std::uint64_t va) {
    ++stats_.invlpg;
    const unsigned pcid = pcid_;
    impl_->drop_tlb([&](const Entry& x) { return (x.global || x.pcid == pcid) && x.vpn == va >> x.shift; });
    impl_->drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
}

std::string Tlb::write_cr3(std::uint64_t value) {
    if (!pcide_ && (value & CR3_NOFLUSH)) return "CR3 bit 63 is reserved while CR4.PCIDE=0 (#GP)";
    ++stats_.cr3_writes;
    const bool keep = pcide_ && (value & CR3_NOFLUSH);
    value &= ~CR3_NOFLUSH;  // bit 63 is not stored in CR3
    m_.ctl.cr3 = value;
    impl_->mmu = std::make_unique<Mmu>(m_);
    pcid_ = pcide_ ? static_cast<unsigned>(value & CR3_PCID) : 0;
    if (keep) {
        ++stats_.cr3_noflush;
        return {};
    }
    const unsigned pcid = pcid_;
    impl_->drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid; });
    impl_->drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
    return {};
}

void Tlb::set_pge(bool on) {
    ++stats_.cr4_writes;
    if (on == pge_) return;
    pge_ = on;
    impl_->drop_tlb([](const Entry&) { return true; });
    impl_->drop_psc([](const PscEntry&) { return true; });
}

std::string Tlb::set_pcide(bool on) {
    if (on == pcide_) return {};
    if (on) {
        if (!m_.mode->canonical) return fmt::format("CR4.PCIDE=1 needs 64-bit paging; this machine uses {}", m_.mode->title);
        if (m_.ctl.cr3 & CR3_PCID) return "CR4.PCIDE=1 needs CR3[11:0] = 0 (#GP)";
        ++stats_.cr4_writes;
        pcide_ = true;
        return {};
    }
    ++stats_.cr4_writes;
    pcide_ = false;
    pcid_ = 0;
    impl_->drop_tlb([](const Entry&) { return true; });
    impl_->drop_psc([](const PscEntry&) { return true; });
    return {};
}

std::string Tlb::invpcid(unsigned type, unsigned pcid, std::uint64_t va) {
    if (type > 3) return fmt::format("INVPCID type {} does not exist (0-3; #GP)", type);
    if (pcid > CR3_PCID) return fmt::format("PCID {:#x} does not fit in 12 bits", pcid);
    if (!pcide_ && pcid != 0 && type <= 1) return "INVPCID of a PCID other than 0 while CR4.PCIDE=0 (#GP)";
    ++stats_.invpcid;
    Impl& s = *impl_;
    switch (type) {
    case 0:  // one address of one PCID, global translations kept
        s.drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid && x.vpn == va >> x.shift; });
        s.drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
        break;
    case 1:  // one PCID
        s.drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid; });
        s.drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
        break;
    case 2:  // everything
        s.drop_tlb([](const Entry&) { return true; });
        s.drop_psc([](const PscEntry&) { return true; });
        break;
    case 3:  // every PCID, global translations kept
        s.drop_tlb([](const Entry& x) { return !x.global; });
        s.drop_psc([](const PscEntry&) { return true; });
        break;
    }
    return {};
}

bool Tlb::write_entry(std::uint64_t pa, std::uint64_t value) {
    ++stats_.sets;
    return m_.mem.write_entry(pa, m_.mode->entry_size, value);
}

}  // namespace vmtour
