#include "tlb.hpp"

#include "bits.hpp"
#include "lru_index.hpp"

#include <bit>
#include <fmt/format.h>

namespace vmtour {

using bits::bit;

namespace {

constexpr std::uint64_t CR3_NOFLUSH = bit(63);     // MOV to CR3 with PCIDE=1: keep entries (4.10.4.1)
constexpr std::uint64_t CR3_PCID = bit(12) - 1;    // CR3[11:0] is the PCID when CR4.PCIDE=1 (4.10.1)

struct Entry {
    std::uint64_t vpn = 0;    // va >> page shift
    std::uint64_t key = 0;    // tlb_key(vpn, size_class): what a lookup compares
    std::uint64_t frame = 0;  // physical address of the page
    std::uint16_t pcid = 0;
    std::uint8_t size_class = 0;
    std::uint8_t shift = 0;
    bool global = false, dirty = false;
    Perms perms;
};

// The key an entry is found by: its page number and page size (PCID and G are compared after).
std::uint64_t tlb_key(std::uint64_t vpn, unsigned size_class) { return vpn << 2 | size_class; }

// One set-associative array: sets * ways entries, set i at [i * ways, (i + 1) * ways). Which
// entries are valid, their LRU order and the index by key are in `lru` (lru_index.hpp).
struct Array {
    TlbArrayGeom g;
    std::vector<Entry> e;
    unsigned sets = 1, ways = 1;
    LruIndex lru;
    std::array<unsigned, SIZE_CLASSES> count{};  // valid entries per size class
    unsigned present = 0;                        // bit sc: count[sc] > 0
    void add(unsigned sc) {
        ++count[sc];
        present |= 1u << sc;
    }
    void remove(unsigned sc) {
        if (!--count[sc]) present &= ~(1u << sc);
    }
};

struct Level {
    TlbLevelGeom g;
    std::vector<Array> arrays;
    std::array<int, SIZE_CLASSES> fill_array{-1, -1, -1};  // [size class]: the first array holding it
    bool serves(AccessType t) const {
        if (g.use == TlbUse::Both) return true;
        return (t == AccessType::Execute) == (g.use == TlbUse::Instruction);
    }
};

// A paging-structure cache of one mode level: address bits above the level's shift -> the table
// the next level reads. Fully associative, LRU; at most one entry per (key, PCID).
// The key an entry is found by: the address bits above the level and the PCID (keys have at most
// 57 - 21 bits, so the two fit one word and a lookup compares once).
std::uint64_t psc_key(std::uint64_t key, std::uint16_t pcid) { return key << 12 | pcid; }
struct PscEntry {
    std::uint64_t key = 0, next = 0;  // key: psc_key(address bits, PCID)
    std::uint16_t pcid = 0;
};

struct Psc {
    std::vector<PscEntry> e;
    LruIndex lru{1, 1};
    bool on() const { return !e.empty(); }
};

// Access rights of a cached translation (SDM 4.6; the same truth table as walk.cpp's):
//   user access: U/S=1; write: R/W=1; fetch: XD=0
//   supervisor: writes need R/W=1 or CR0.WP=0; fetches from user pages need SMEP=0;
//               data accesses to user pages need SMAP=0 or EFLAGS.AC=1
// A user access that these rights allow, whatever the control bits (none of them refuses it).
bool user_allowed(const Perms& p, AccessType t) {
    return p.user && (t == AccessType::Read || (t == AccessType::Write ? p.writable : p.executable));
}

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
    std::array<Psc, 5> psc;                     // [mode level]; off: no cache there
    std::array<unsigned, SIZE_CLASSES> shift{}; // page shift per size class; 0: the mode has none
    unsigned bottom = 0;                        // the mode's last level
    bool pae_pdpte = false;                     // level 0 is PAE's PDPTE registers
    WalkPath path;                              // the last miss's walk (access() only)
    std::array<unsigned, 3> first_level{};      // [access type]: the first level serving it, or levels.size()
    // The mode levels with a paging-structure cache, deepest first, and each level's shift: what
    // a miss looks up, without going through the mode and the caches that are off.
    std::array<std::uint8_t, 5> psc_levels{};
    unsigned psc_count = 0;
    std::array<unsigned, 5> level_shift{};

    // The entry that translates va for this PCID: in a fully associative array the lowest
    // numbered one at any page size, else the first page size (4K, large, 1G) with one, at its
    // lowest way. (Two can match only after PCID switches with global pages.)
    Entry* find(Array& a, std::uint64_t va, std::uint16_t pcid) {
        std::uint32_t best = LruIndex::NONE;
        // Only the sizes cached in this array (which implies their shift exists).
        for (unsigned sizes = a.present; sizes; sizes &= sizes - 1) {
            const auto sc = static_cast<unsigned>(std::countr_zero(sizes));
            const std::uint64_t key = tlb_key(va >> shift[sc], sc);
            for (std::uint32_t i = a.lru.first(key); i != LruIndex::NONE; i = a.lru.next(i)) {
                const Entry& x = a.e[i];
                if (x.key == key && (x.global || x.pcid == pcid) && i < best) best = i;
            }
            if (best != LruIndex::NONE && a.sets > 1) break;
        }
        return best == LruIndex::NONE ? nullptr : &a.e[best];
    }
    void touch(Array& a, const Entry& x) { a.lru.touch(static_cast<std::uint32_t>(&x - a.e.data())); }
    Array* array_of(const Entry* x) {
        for (Level& l : levels)
            for (Array& a : l.arrays)
                if (x >= a.e.data() && x < a.e.data() + a.e.size()) return &a;
        return nullptr;
    }
    // Into the first array of the level that holds this size: the set's lowest empty way, else
    // its least recently used one.
    void fill(Level& l, const Entry& proto) {
        const int ai = l.fill_array[proto.size_class];
        if (ai < 0) return;
        Array& a = l.arrays[static_cast<unsigned>(ai)];
        const std::uint32_t i = a.lru.victim(a.sets == 1 ? 0 : static_cast<unsigned>(proto.vpn % a.sets));
        if (a.lru.used(i)) a.remove(a.e[i].size_class);
        a.e[i] = proto;
        a.lru.place(i, proto.key);
        a.add(proto.size_class);
    }
    // The walks the fast path leaves to run() (faults, SMEP/SMAP, unusual modes), recorded in full:
    // what access() uses of it goes into p and steps; the fault, if the walk ends in one.
    [[gnu::noinline]] std::optional<Fault> walk_slow(std::uint64_t va, Access a, WalkPath& p, unsigned& steps) const {
        const Walk w = mmu->walk(va, a);
        steps = w.step_count;
        for (unsigned i = 0; i < w.step_count; ++i) p.raw[i] = w.steps[i].raw;
        if (!w.ok) return w.fault;
        p.and_raw = 0;  // access() then looks at every entry's A bit
        p.leaf_level = w.translation.leaf_level;
        p.pa = w.translation.pa;
        p.perms = w.translation.perms;
        return std::nullopt;
    }
    template <typename Pred>
    void drop_tlb(Pred pred) {
        for (Level& l : levels)
            for (Array& a : l.arrays)
                for (std::uint32_t i = 0; i < a.e.size(); ++i)
                    if (a.lru.used(i) && pred(a.e[i])) {
                        a.lru.clear(i);
                        a.remove(a.e[i].size_class);
                    }
    }
    template <typename Pred>
    void drop_psc(Pred pred) {
        for (Psc& c : psc)
            for (std::uint32_t i = 0; i < c.e.size(); ++i)
                if (c.lru.used(i) && pred(c.e[i])) c.lru.clear(i);
    }
    // The entry for (key, PCID) at this level, or NONE.
    std::uint32_t psc_find(unsigned lvl, std::uint64_t key, std::uint16_t pcid) const {
        const Psc& c = psc[lvl];
        const std::uint64_t k = psc_key(key, pcid);
        for (std::uint32_t i = c.lru.first(k); i != LruIndex::NONE; i = c.lru.next(i))
            if (c.e[i].key == k) return i;
        return LruIndex::NONE;
    }
    void drop_psc_at(unsigned lvl, std::uint64_t key, std::uint16_t pcid) {
        if (!psc[lvl].on()) return;
        if (const std::uint32_t i = psc_find(lvl, key, pcid); i != LruIndex::NONE) psc[lvl].lru.clear(i);
    }
    // An empty entry, else the LRU one. Only levels whose lookup just missed are filled, so the
    // cache holds no entry for this key (one entry per key, as in the scan this replaced).
    void psc_fill(unsigned lvl, std::uint64_t key, std::uint16_t pcid, std::uint64_t next) {
        Psc& c = psc[lvl];
        const std::uint32_t i = c.lru.victim(0);
        c.e[i] = PscEntry{psc_key(key, pcid), next, pcid};
        c.lru.place(i, c.e[i].key);
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
            Array a{ag, {}, ag.sets(), ag.assoc(), LruIndex(ag.sets(), ag.assoc()), {}};
            a.e.resize(std::size_t{a.sets} * a.ways);
            l.arrays.push_back(std::move(a));
        }
        for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc)
            for (unsigned ai = l.arrays.size(); ai-- > 0;)
                if (l.arrays[ai].g.sizes & (1u << sc)) l.fill_array[sc] = static_cast<int>(ai);
        s.levels.push_back(std::move(l));
    }
    for (unsigned i = 0; i < s.bottom; ++i)
        if (!mode.level[i].pdpte_pae && geom_.psc_entries) {
            s.psc[i].e.resize(geom_.psc_entries);
            s.psc[i].lru = LruIndex(1, geom_.psc_entries);
        }
    for (unsigned i = 0; i < mode.level_count; ++i) s.level_shift[i] = mode.level[i].shift;
    for (unsigned i = s.bottom; i-- > 0;)
        if (s.psc[i].on()) s.psc_levels[s.psc_count++] = static_cast<std::uint8_t>(i);
    for (const AccessType t : {AccessType::Read, AccessType::Write, AccessType::Execute}) {
        unsigned li = 0;
        while (li < s.levels.size() && !s.levels[li].serves(t)) ++li;
        s.first_level[static_cast<unsigned>(t)] = li;
    }
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
            for (unsigned sc = 0; sc < SIZE_CLASSES; ++sc) n += a.count[sc];
    return n;
}

TlbResult Tlb::access(std::uint64_t va, Access a) {
    Impl& s = *impl_;
    ++stats_.accesses;
    ++(a.type == AccessType::Write ? stats_.writes : a.type == AccessType::Execute ? stats_.fetches : stats_.reads);
    const auto pcid = static_cast<std::uint16_t>(pcid_);
    const bool write = a.type == AccessType::Write;

    // The common case first, kept short: a hit in the first level that serves the access (so no
    // level above it to refill), by a user access its cached rights allow (rights that do not
    // depend on the control bits), on an entry cached dirty if it is a write. What it does is
    // what the general path (general()) does for such a hit.
    const unsigned first = s.first_level[static_cast<unsigned>(a.type)];
    if (first < s.levels.size()) {
        for (Array& arr : s.levels[first].arrays)
            if (Entry* x = s.find(arr, va, pcid)) {
                if (a.user && user_allowed(x->perms, a.type) && (x->dirty || !write)) {
                    s.touch(arr, *x);
                    ++stats_.hits[first][x->size_class];
                    TlbResult r;
                    r.ok = true;
                    r.hit_level = static_cast<int>(first);
                    r.size_class = x->size_class;
                    r.pa = x->frame | (va & (bit(x->shift) - 1));
                    return r;
                }
                return general(va, a, first, false);  // the general path finds it again
            }
        return general(va, a, first + 1, true);  // a miss in the first level: go on below it
    }
    return general(va, a, 0, false);
}

// The rest of access(): the lookup from level `start` on (the first level serving the access
// missed when `first_missed`), then the hit, the fault or the walk and the fills.
TlbResult Tlb::general(std::uint64_t va, Access a, unsigned start, bool first_missed) {
    Impl& s = *impl_;
    TlbResult r;
    const auto pcid = static_cast<std::uint16_t>(pcid_);
    const bool write = a.type == AccessType::Write;
    std::array<bool, 8> missed{};
    if (first_missed && start - 1 < missed.size()) missed[start - 1] = true;

    // Look up the levels in order; the first hit ends the search.
    Entry* hit = nullptr;
    Array* hit_array = nullptr;
    for (unsigned li = start; li < s.levels.size() && !hit; ++li) {
        Level& l = s.levels[li];
        if (!l.serves(a.type)) continue;
        for (Array& arr : l.arrays)
            if ((hit = s.find(arr, va, pcid))) {
                hit_array = &arr;
                break;
            }
        if (hit) r.hit_level = static_cast<int>(li);
        else if (li < missed.size()) missed[li] = true;
    }
    auto drop_va = [&] {  // a page fault invalidates what would translate va (4.10.4.2)
        s.drop_tlb([&](const Entry& x) { return (x.global || x.pcid == pcid) && x.vpn == va >> x.shift; });
        for (unsigned i = 0; i < s.bottom; ++i) s.drop_psc_at(i, va >> m_.mode->level[i].shift, pcid);
    };

    if (hit && !(write && !hit->dirty)) {
        s.touch(*hit_array, *hit);
        r.size_class = hit->size_class;
        ++stats_.hits[static_cast<unsigned>(r.hit_level)][r.size_class];
        // Only levels looked up before the one that hit can have missed.
        for (unsigned li = 0; li < static_cast<unsigned>(r.hit_level) && li < missed.size(); ++li)
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
    // Most walks succeed: the fast path keeps only the entries it read. Any other walk is recorded
    // in full (walk.hpp), which is what names its fault.
    WalkPath& path = s.path;  // reused: zeroing it on every miss cost more than the walk's bookkeeping
    unsigned steps = 0;
    std::optional<Fault> fault;
    if (s.mmu->walk_entries(va, a, path)) steps = path.leaf_level + 1;
    else fault = s.walk_slow(va, a, path, steps);
    // Every entry but the last one read points to a table (walk.hpp, StepKind::Table).
    const unsigned tables = steps ? steps - 1 : 0;
    const unsigned skipped_regs = s.pae_pdpte ? 1 : 0;  // PAE PDPTEs are registers, not reads
    r.reads_no_psc = steps > skipped_regs ? steps - skipped_regs : 0;
    r.reads = r.reads_no_psc;
    // The deepest paging-structure cache that holds this address and still agrees with memory.
    unsigned pi = 0;  // psc_levels[pi..] are above the hit, if any
    for (; pi < s.psc_count; ++pi) {
        const unsigned lvl = s.psc_levels[pi];
        if (lvl >= tables) continue;
        Psc& c = s.psc[lvl];
        const std::uint32_t p = s.psc_find(lvl, va >> s.level_shift[lvl], pcid);
        if (p == LruIndex::NONE) continue;
        if (c.e[p].next != s.mmu->next_table(path.raw[lvl])) {
            c.lru.clear(p);
            continue;
        }
        c.lru.touch(p);
        r.psc_level = static_cast<int>(lvl);
        r.reads = steps - (lvl + 1);
        ++stats_.psc_hits[lvl];
        break;
    }
    // Fill below the deepest hit (the hit itself and the levels above it are cached already): the
    // levels looked up before it, which missed.
    for (unsigned j = 0; j < pi; ++j) {
        const unsigned lvl = s.psc_levels[j];
        if (lvl < tables) s.psc_fill(lvl, va >> s.level_shift[lvl], pcid, s.mmu->next_table(path.raw[lvl]));
    }
    stats_.mem_reads += r.reads;
    stats_.mem_reads_no_psc += r.reads_no_psc;

    if (fault) {
        r.fault = *fault;
        ++stats_.faults;
        if (!fault->general_protection) drop_va();
        return r;
    }
    const std::uint64_t leaf_raw = path.raw[path.leaf_level];
    // The CPU sets A, and D for a write (4.8); most walks find them set already.
    if (!bits::test(path.and_raw, bits::A) || (write && !bits::test(leaf_raw, bits::D))) set_accessed_dirty(va, path, write);
    Entry e;
    e.shift = static_cast<std::uint8_t>(s.level_shift[path.leaf_level]);
    e.size_class = static_cast<std::uint8_t>(s.bottom - path.leaf_level);
    e.vpn = va >> e.shift;
    e.key = tlb_key(e.vpn, e.size_class);
    e.frame = path.pa & ~(bit(e.shift) - 1);
    e.pcid = pcid;
    e.global = pge_ && bits::test(leaf_raw, bits::G);
    e.dirty = write || bits::test(leaf_raw, bits::D);
    e.perms = path.perms;
    r.size_class = e.size_class;
    for (unsigned li = 0; li < s.levels.size() && li < missed.size(); ++li)
        if (missed[li]) {
            ++stats_.misses[li][r.size_class];
            s.fill(s.levels[li], e);
        }
    r.ok = true;
    r.pa = path.pa;
    return r;
}

// apply_accessed_dirty for a walk kept as a WalkPath: A in every entry read, D in the leaf for a
// write (SDM 4.8), in the same order; PAE's PDPTEs have no A bit. Each entry's address as the walk
// found it: the root, then the table each entry points to, indexed by the address.
void Tlb::set_accessed_dirty(std::uint64_t va, const WalkPath& p, bool write) {
    const PagingMode& mode = *m_.mode;
    std::uint64_t table = m_.root();
    for (unsigned i = 0; i <= p.leaf_level; ++i) {
        const std::uint64_t addr = table + std::uint64_t{mode.level[i].index(va)} * mode.entry_size;
        table = impl_->mmu->next_table(p.raw[i]);
        if (mode.level[i].pdpte_pae) continue;
        std::uint64_t v = p.raw[i] | bit(bits::A);
        if (i == p.leaf_level && write) v |= bit(bits::D);
        if (v != p.raw[i]) (void)m_.mem.write_entry(addr, mode.entry_size, v);  // the frame exists
    }
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
