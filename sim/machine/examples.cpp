#include "examples.hpp"

#include "machine_file.hpp"

#include <stdexcept>

namespace vmtour {

namespace {

// Each example is a machine file. The walk of 0x1337babe is written as raw tables so that every
// address in it is a round number a learner can check by hand; the rest of a small process and
// kernel is written with `map` lines so `vmsim map` has something to show. docs/examples.md
// explains each walk step by step.

// The blog's example (seed 004): CR3 = 0x12340000; 0x1337babe splits 10/10/12 into 76, 891, 0xabe.
// PDE 76 is at 0x12340000 + 76*4 = 0x12340130 and points to the table at 0x43210000; PTE 891 is at
// 0x43210000 + 891*4 = 0x43210dec and maps frame 0xdeadb000: 0xdeadb000 + 0xabe = 0xdeadbabe.
constexpr std::string_view EXAMPLE_2LEVEL = R"(vmtour-machine 1
# The blog's machine: 32-bit paging, 10/10/12, with a small process and a 3G/1G kernel split.
mode 2level
cr3 0x12340000
cr4.pse 1
cr0.wp 1
alloc 0x03000000
table 0x12340000        # page directory
  76 0x43210027         # PDE 76: P R/W U/S A -> page table at 0x43210000
table 0x43210000        # page table
  891 0xdeadb067        # PTE 891: P R/W U/S A D -> frame 0xdeadb000
map 0x08048000 0x01000000 16K us            # program text: user, read-only
map 0x0804c000 0x01004000 8K rw,us          # program data: user, read/write
map 0xbfffe000 0x01100000 8K rw,us          # stack
map 0xc0000000 0x00000000 64M rw,g page=4M  # the kernel's direct map: 4 MB pages, supervisor
map 0xf8000000 0x02000000 8K rw,g           # a kernel mapping with 4 KB pages
)";

// PAE: 2/9/9/12. 0x1337babe splits into 0, 153, 379, 0xabe.
constexpr std::string_view EXAMPLE_PAE = R"(vmtour-machine 1
# PAE paging: 2/9/9/12, a 4-entry PDPT, 8-byte entries, 2 MB pages, XD.
mode pae
cr3 0x12340000
efer.nxe 1
alloc 0x03000000
table 0x12340000        # PDPT (4 entries, 32 bytes)
  0 0x23450001          # PDPTE 0: P -> page directory at 0x23450000
table 0x23450000        # page directory
  153 0x43210027        # PDE 153: P R/W U/S A -> page table at 0x43210000
table 0x43210000        # page table
  379 0x80000000deadb067  # PTE 379: P R/W U/S A D XD -> frame 0xdeadb000
map 0x08048000 0x01000000 16K us              # program text
map 0x0804c000 0x01004000 8K rw,us,xd         # program data: not executable
map 0xbfffe000 0x01100000 8K rw,us,xd         # stack
map 0xc0000000 0x00000000 64M rw,g,xd page=2M # direct map: 2 MB pages
map 0xf8000000 0x02000000 8K rw,g,xd          # a kernel mapping with 4 KB pages
)";

// 4-level: 9/9/9/9/12. 0x1337babe splits into 0, 0, 153, 379, 0xabe.
constexpr std::string_view EXAMPLE_4LEVEL = R"(vmtour-machine 1
# 4-level paging (x86_64): 9/9/9/9/12, 48-bit canonical addresses, 2 MB and 1 GB pages.
mode 4level
cr3 0x12340000
efer.nxe 1
alloc 0x03000000
table 0x12340000        # PML4
  0 0x23450027          # PML4E 0: P R/W U/S A -> PDPT at 0x23450000
table 0x23450000        # PDPT
  0 0x34560027          # PDPTE 0 -> page directory at 0x34560000
table 0x34560000        # page directory
  153 0x43210027        # PDE 153 -> page table at 0x43210000
table 0x43210000        # page table
  379 0x80000000deadb067  # PTE 379: P R/W U/S A D XD -> frame 0xdeadb000
map 0x400000 0x01000000 16K us                      # program text
map 0x404000 0x01004000 8K rw,us,xd                 # program data
map 0x7ffffffde000 0x01100000 8K rw,us,xd           # stack, at the top of the lower half
map 0xffff888000000000 0x0 4G rw,g,xd page=1G       # direct map: 1 GB pages
map 0xffffffff81000000 0x01000000 4M g page=2M      # kernel text: 2 MB pages, read-only, executable
)";

// 5-level: 9/9/9/9/9/12. 0x1337babe splits into 0, 0, 0, 153, 379, 0xabe.
constexpr std::string_view EXAMPLE_5LEVEL = R"(vmtour-machine 1
# 5-level paging (x86_64 with CR4.LA57): 9/9/9/9/9/12, 57-bit canonical addresses.
mode 5level
cr3 0x12340000
efer.nxe 1
alloc 0x03000000
table 0x12340000        # PML5
  0 0x11110027          # PML5E 0 -> PML4 at 0x11110000
table 0x11110000        # PML4
  0 0x23450027          # PML4E 0 -> PDPT at 0x23450000
table 0x23450000        # PDPT
  0 0x34560027          # PDPTE 0 -> page directory at 0x34560000
table 0x34560000        # page directory
  153 0x43210027        # PDE 153 -> page table at 0x43210000
table 0x43210000        # page table
  379 0x80000000deadb067  # PTE 379: P R/W U/S A D XD -> frame 0xdeadb000
map 0x400000 0x01000000 16K us                      # program text
map 0x404000 0x01004000 8K rw,us,xd                 # program data
map 0xffffffffffe000 0x01100000 8K rw,us,xd         # stack, at the top of the 57-bit lower half
map 0xff11000000000000 0x0 4G rw,g,xd page=1G       # direct map (5-level layout): 1 GB pages
map 0xffffffff81000000 0x01000000 4M g page=2M      # kernel text: 2 MB pages
)";

}  // namespace

std::string_view example_text(const PagingMode& mode) {
    switch (mode.id) {
    case ModeId::Legacy2: return EXAMPLE_2LEVEL;
    case ModeId::Pae: return EXAMPLE_PAE;
    case ModeId::Long4: return EXAMPLE_4LEVEL;
    case ModeId::Long5: return EXAMPLE_5LEVEL;
    }
    return EXAMPLE_2LEVEL;
}

Machine example_machine(const PagingMode& mode) {
    auto m = parse_machine(example_text(mode), fmt_example_name(mode));
    if (!m) throw std::logic_error("built-in example does not parse: " + m.error);
    return std::move(m.value);
}

std::string fmt_example_name(const PagingMode& mode) {
    return std::string("built-in ") + std::string(mode.key) + " example";
}

}  // namespace vmtour
