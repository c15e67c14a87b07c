#include "tlb.hpp"

#include "tlb_impl.hpp"

#include <bit>
#include <fmt/format.h>

namespace vmtour {

using bits::bit;

namespace {

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
        const auto ti = static_cast<unsigned>(t);
        for (unsigned l = 0; l < s.levels.size(); ++l)
            if (s.levels[l].serves(t)) s.serves[ti] |= 1u << l;
        // countr_zero(0) is 32: past every level (at most 8), as "no level serves it" needs.
        s.first_level[ti] = static_cast<unsigned>(std::countr_zero(s.serves[ti]));
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
        // A miss in the first level: go on below it, or walk if no level below serves the access.
        if (!(s.serves[static_cast<unsigned>(a.type)] >> first >> 1)) return walk(va, a, 1u << first, false);
        return general(va, a, first + 1, true);
    }
    return general(va, a, 0, false);
}

// The rest of access(): the lookup from level `start` on (the first level serving the access
// missed when `first_missed`), then the hit, or the walk and the fills.
TlbResult Tlb::general(std::uint64_t va, Access a, unsigned start, bool first_missed) {
    Impl& s = *impl_;
    const auto pcid = static_cast<std::uint16_t>(pcid_);
    // The levels looked up that missed, a bit each (at most 8 levels: check_geometry).
    unsigned missed = first_missed ? 1u << (start - 1) : 0;
    // Look up the levels in order; the first hit ends the search.
    for (unsigned li = start; li < s.levels.size(); ++li) {
        Level& l = s.levels[li];
        if (!l.serves(a.type)) continue;
        for (Array& arr : l.arrays)
            if (Entry* hit = s.find(arr, va, pcid)) {
                if (a.type != AccessType::Write || hit->dirty) return hit_below(va, a, li, arr, *hit, missed);
                // A write hits an entry cached with D=0: it goes, and the walk sets D (4.8); every
                // level that serves this access is refilled.
                s.drop_va_tlb(va, pcid);
                return walk(va, a, s.serves[static_cast<unsigned>(a.type)], true);
            }
        missed |= 1u << li;
    }
    return walk(va, a, missed, false);
}

// A hit in level `level` (in `arr`), where the levels in `missed` were looked up first: they are
// refilled from it; then the cached rights are checked.
TlbResult Tlb::hit_below(std::uint64_t va, Access a, unsigned level, Array& arr, Entry& hit, unsigned missed) {
    Impl& s = *impl_;
    TlbResult r;
    s.touch(arr, hit);
    r.hit_level = static_cast<int>(level);
    r.size_class = hit.size_class;
    ++stats_.hits[level][r.size_class];
    for (; missed; missed &= missed - 1) {
        const auto li = static_cast<unsigned>(std::countr_zero(missed));
        ++stats_.misses[li][r.size_class];
        s.fill(s.levels[li], hit);
    }
    if (auto why = refused(hit.perms, a, m_.ctl)) {
        r.fault = Fault{*why, false, 0, -1};
        r.spurious = s.mmu->translate(va, a) != NO_TRANSLATION;
        stats_.spurious_faults += r.spurious;
        ++stats_.faults;
        s.drop_va(va, static_cast<std::uint16_t>(pcid_));
        return r;
    }
    r.ok = true;
    r.pa = hit.frame | (va & (bit(hit.shift) - 1));
    return r;
}

// The walk of a miss (or of a write that hit an entry with D=0: `dirty_walk`), its
// paging-structure caches, and the fills of the levels in `missed`.
TlbResult Tlb::walk(std::uint64_t va, Access a, unsigned missed, bool dirty_walk) {
    Impl& s = *impl_;
    TlbResult r;
    const auto pcid = static_cast<std::uint16_t>(pcid_);
    const bool write = a.type == AccessType::Write;
    r.walked = true;
    r.dirty_walk = dirty_walk;
    ++stats_.walks;
    stats_.dirty_walks += dirty_walk;
    // Most walks succeed: the fast path keeps only the entries it read. Any other walk is recorded
    // in full (walk.hpp), which is what names its fault.
    WalkPath& path = s.path;  // reused: zeroing it on every miss cost more than the walk's bookkeeping
    unsigned steps = 0;
    std::optional<Fault> fault;
    // A page not present may be mapped by the demand mapper, and then the walk runs again; where
    // the fast path does not say so, the full walk does.
    bool ok = s.mmu->walk_entries(va, a, path);
    if (!ok && path.not_present && demand_ && demand_(va)) ok = s.mmu->walk_entries(va, a, path);
    if (ok) steps = path.leaf_level + 1;
    else if ((fault = s.walk_slow(va, a, path, steps)) && fault->reason == FaultReason::NotPresent && demand_ &&
             demand_(va)) {
        fault = s.walk_slow(va, a, path, steps);
    }
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
        if (!fault->general_protection) s.drop_va(va, pcid);
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
    for (; missed; missed &= missed - 1) {
        const auto li = static_cast<unsigned>(std::countr_zero(missed));
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

}  // namespace vmtour
