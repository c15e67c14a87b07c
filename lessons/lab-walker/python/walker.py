#!/usr/bin/env python3
"""The walker lab, Python starter kit (lessons/lab-walker/README.md).

    python3 walker.py MACHINE_FILE  <  lines "VA [r|w|x] [user|supervisor]"

prints one line per input line: "0x<physical address>", "pf 0x<error code>" or "gp".

Given: reading the machine file (mode, CR3, control bits, MAXPHYADDR and every table entry) and
the input/output loop. Yours: walk() and what it needs, marked TODO. Until you write it, every
answer is "0x0" and `vmsim grade` scores 0.

Read in the Intel SDM, Volume 3A, chapter 4 ("Paging"):
  4.3  32-bit paging (figures 4-2 and 4-3, tables 4-4 to 4-6)
  4.4  PAE paging (4.4.1 the PDPTEs and CR3, tables 4-8 to 4-11)
  4.5  4-level and 5-level paging (tables 4-14 to 4-20)
  4.6  access rights (4.6.1 SMEP and SMAP)
  4.7  page-fault exceptions (figure 4-12, the error code)
and Volume 1, 3.3.7.1 (canonical addresses).
"""
import sys

# #PF error-code bits (SDM 4.7, figure 4-12).
PF_P, PF_WR, PF_US, PF_RSVD, PF_ID = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4


class Machine:
    """What the machine file says (given)."""

    def __init__(self, path):
        self.mode = None        # "2level", "pae", "4level" or "5level"
        self.cr3 = 0
        self.ctl = {"cr0.wp": 1, "cr4.pse": 1, "cr4.smep": 0, "cr4.smap": 0, "efer.nxe": 1, "rflags.ac": 0}
        self.maxphyaddr = None
        self.memory = {}        # physical address of an entry -> its value
        table = None
        with open(path) as f:
            for number, line in enumerate(f, 1):
                w = line.split("#", 1)[0].split()
                if not w or w[0] in ("vmtour-machine", "expect", "alloc"):
                    continue
                if w[0] == "mode":
                    self.mode = w[1]
                elif w[0] == "cr3":
                    self.cr3 = int(w[1], 0)
                elif w[0] == "maxphyaddr":
                    self.maxphyaddr = int(w[1], 0)
                elif w[0] in self.ctl:
                    self.ctl[w[0]] = int(w[1])
                elif w[0] == "table":
                    table = int(w[1], 0)
                elif w[0] == "entry":
                    self.memory[int(w[1], 0)] = int(w[2], 0)
                elif w[0][0].isdigit() and table is not None:
                    self.memory[table + int(w[0], 0) * self.entry_size()] = int(w[1], 0)
                else:
                    sys.exit("%s:%d: unexpected line (this kit reads what `vmsim dump` writes)" % (path, number))
        if self.maxphyaddr is None:
            self.maxphyaddr = 52 if self.mode in ("4level", "5level") else 40

    def entry_size(self):
        return 4 if self.mode == "2level" else 8

    def read_entry(self, pa):
        """The entry at physical address pa; memory nobody wrote reads 0."""
        return self.memory.get(pa, 0)


def walk(m, va, access, user):
    """The answer for one access: "0x1234", "pf 0x5" or "gp". access is "r", "w" or "x"."""
    # TODO 1 (Vol. 1 3.3.7.1, Vol. 3A 4.5): in 4- and 5-level paging, a non-canonical address
    #   (bits 63..47, or 63..56, not all equal) is #GP: return "gp", read no table.

    # TODO 2 (4.3, 4.4.1, 4.5.2): the first table's address from CR3. Careful: PAE's CR3 holds
    #   the PDPT's address to 32 bytes, not to 4 KB.

    # TODO 3 (figures 4-2, 4-5, 4-8, 4-9): for each level, the index bits of the VA, the entry
    #   address (table + index * entry size), the entry (m.read_entry). Then:
    #   - P=0: #PF, not present (4.7);
    #   - reserved bits set: #PF with P and RSVD (tables 4-4 to 4-20; MAXPHYADDR, bit 63 when
    #     EFER.NXE=0, PS in a PML4E/PML5E, the low frame bits of a large page);
    #   - PS=1 where the level may map a page (a 4 MB PDE only with CR4.PSE=1; 2 MB PDEs; 1 GB
    #     PDPTEs in 4/5-level): the walk ends here with a large page (4.3, 4.4.2, 4.5.4);
    #   - else the entry holds the next table's address.

    # TODO 4 (table 4-4): a 4 MB page's frame; PSE-36 puts physical bits 39:32 in PDE bits 20:13.

    # TODO 5 (4.6, 4.6.1): the rights: U/S and R/W count at every level (ANDed), XD at any level
    #   refuses fetches (with EFER.NXE=1); SMEP, SMAP (unless EFLAGS.AC), CR0.WP.

    # TODO 6 (4.7): the error code: P, W/R, U/S (the access's, not the page's), RSVD, and I/D for
    #   a fetch when EFER.NXE=1 or CR4.SMEP=1.
    return "0x0"  # TODO: the answer


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: walker.py MACHINE_FILE < lines 'VA [r|w|x] [user|supervisor]'")
    m = Machine(sys.argv[1])
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        access = w[1] if len(w) > 1 else "r"
        user = (w[2] if len(w) > 2 else "user") != "supervisor"
        print(walk(m, int(w[0], 0), access, user))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
