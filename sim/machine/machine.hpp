// A machine: a paging mode, the control-register bits that change a walk, and physical memory.
#pragma once

#include "mode.hpp"
#include "physmem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmtour {

struct Control {
    std::uint64_t cr3 = 0;      // the top-level table's address, with PWT/PCD or a PCID in 11:0
    bool cr4_pcide = false;     // CR4.PCIDE: CR3 bits 11:0 are a PCID (4/5-level paging only)
    bool cr0_wp = true;         // CR0.WP: supervisor writes honour R/W
    bool cr4_pse = true;        // CR4.PSE: 4 MB pages in 32-bit paging
    bool cr4_smep = false;      // CR4.SMEP: no supervisor fetches from user pages
    bool cr4_smap = false;      // CR4.SMAP: no supervisor data accesses to user pages (unless AC)
    bool efer_nxe = true;       // EFER.NXE: bit 63 is XD (else reserved)
    bool rflags_ac = false;     // EFLAGS.AC: lifts SMAP for explicit accesses
    unsigned maxphyaddr = 0;    // physical address width; 0 = the mode's default
};

// A translation some other source (pagemap, the kernel) observed, to be replayed.
struct Expect {
    std::uint64_t va = 0;
    std::optional<std::uint64_t> pa;  // nullopt: the source saw a fault / no mapping
    std::string source;               // "pagemap", "vmalloc", ...; may be empty
    unsigned line = 0;                // where it came from in a machine file
    // The access it was observed with, when the line names one ("expect VA fault w user"): then
    // `vmsim check` judges the access rights too, not only the mapping. AccessType's order
    // (walk.hpp): 0 read, 1 write, 2 instruction fetch.
    std::optional<unsigned> access_type;
    bool user = false;
};

struct Machine {
    const PagingMode* mode = nullptr;
    Control ctl;
    PhysMem mem;
    std::vector<Expect> expects;
    std::string name;  // where it came from: a file name or "built-in 2-level example"

    unsigned maxphyaddr() const { return ctl.maxphyaddr ? ctl.maxphyaddr : mode->default_maxphyaddr; }
    // CR3's table address: bits 31:12 (32-bit), 31:5 (PAE) or M-1:12 (64-bit). The 32-bit modes
    // ignore bits 63:32 (SDM tables 4-3, 4-7); the flag bits (PWT, PCD) or the PCID are not part
    // of the address.
    std::uint64_t root() const;
    // CR3 bits that a MOV to CR3 may not set: 63:MAXPHYADDR in 4/5-level paging (bit 63 is the
    // no-flush hint when CR4.PCIDE=1, and is not stored), none in the 32-bit modes (SDM 4.5.2).
    std::uint64_t cr3_reserved() const;
};

}  // namespace vmtour
