#!/usr/bin/env python3
"""The tests' reference page walker for the walker lab's protocol (lessons/lab-walker/README.md).

    ref_walker.py [--bug NAME] MACHINE_FILE  <  lines "VA [r|w|x] [user|supervisor]"

prints one line per input line: "0x<pa>", "pf 0x<code>" or "gp". Written from the Intel SDM
(Vol. 3A 4.3-4.7), independently of vmsim's C++ walker, so that `vmsim grade` is tested against a
second implementation. It is not the starter kit's solution: it lives with the tests.

--bug NAME makes one deliberate mistake, for the grader's tests:
  ignores-ps     a PS=1 directory entry is taken for a pointer to a table
  pae-10bit      PAE indices below the PDPT are 10 bits wide (as in 32-bit paging)
  us-not-anded   only the leaf's U/S counts
  xd-ignored     XD is never checked
  no-canonical   no #GP for non-canonical addresses (the upper bits are dropped)
  pse36-ignored  a 4 MB page's physical bits 39:32 (PDE bits 20:13) are left out
  hang, crash, garbage, too-few, slow-start: misbehaving processes
"""
import os
import signal
import sys
import time

# mode: (levels as (shift, bits), entry size, va bits, canonical, has XD, reserved top bit)
MODES = {
    "2level": ([(22, 10), (12, 10)], 4, 32, False, False, 0),
    "pae": ([(30, 2), (21, 9), (12, 9)], 8, 32, False, True, 62),
    "4level": ([(39, 9), (30, 9), (21, 9), (12, 9)], 8, 48, True, True, 51),
    "5level": ([(48, 9), (39, 9), (30, 9), (21, 9), (12, 9)], 8, 57, True, True, 51),
}
P, RW, US, PS, XD = 1 << 0, 1 << 1, 1 << 2, 1 << 7, 1 << 63
PF_P, PF_WR, PF_US, PF_RSVD, PF_ID = 1, 2, 4, 8, 16


def bits(hi, lo):
    """Mask of bits hi..lo inclusive (empty when hi < lo)."""
    return 0 if hi < lo else ((1 << (hi + 1)) - 1) & ~((1 << lo) - 1)


# The machine file is read by the starter kit's given reader, so the grader's tests also check
# what every learner starts from; the walk below is this file's own.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lessons", "lab-walker",
                                "python"))
import walker as kit  # noqa: E402


class Machine(kit.Machine):
    def __init__(self, path):
        super().__init__(path)
        self.mem, self.maxphy = self.memory, self.maxphyaddr
        self.levels, self.esize, self.va_bits, self.canonical, self.has_xd, self.rsvd_top = MODES[self.mode]


def walk(m, va, access, user, bug):
    wide = m.esize == 8
    if m.canonical:
        top = va >> (m.va_bits - 1)
        if top not in (0, (1 << (65 - m.va_bits)) - 1):
            if bug != "no-canonical":
                return "gp"
            va &= (1 << m.va_bits) - 1
    nxe = m.has_xd and m.ctl["efer.nxe"]
    code = (PF_WR if access == "w" else 0) | (PF_US if user else 0)
    if access == "x" and (nxe or m.ctl["cr4.smep"]):
        code |= PF_ID
    phys_hi = m.maxphy - 1 if wide else 31
    rsvd_phys = bits(m.rsvd_top, m.maxphy) if wide else 0
    rsvd_xd = XD if (m.has_xd and not nxe) else 0
    if m.esize == 4:
        table = m.cr3 & bits(31, 12)
    elif m.mode == "pae":
        table = m.cr3 & bits(31, 5)
    else:
        table = m.cr3 & bits(min(m.maxphy, 52) - 1, 12)
    u = w = True
    x = False
    n = len(m.levels)
    for i, (shift, nbits) in enumerate(m.levels):
        if bug == "pae-10bit" and m.mode == "pae" and i > 0:
            nbits = 10
        index = (va >> shift) & ((1 << nbits) - 1)
        raw = m.mem.get(table + index * m.esize, 0)
        if not raw & P:
            return "pf %#x" % code
        last = i == n - 1
        pdpte = m.mode == "pae" and i == 0
        can_be_large = (m.mode == "2level" and i == 0 and m.ctl["cr4.pse"]) or (
            wide and not pdpte and not last and shift in (21, 30))
        leaf = last or (can_be_large and raw & PS and bug != "ignores-ps")
        # Reserved bits (SDM tables 4-4 to 4-20).
        if pdpte:
            rsvd = bits(63, m.maxphy) | 0b111100110
        elif leaf and not last and m.mode == "2level":
            m36 = min(max(m.maxphy, 32), 40)
            rsvd = bits(21, m36 - 19)
        elif leaf and not last:
            rsvd = rsvd_phys | rsvd_xd | bits(shift - 1, 13)
        else:
            rsvd = rsvd_phys | rsvd_xd
            if not leaf and shift >= 39:
                rsvd |= PS  # PML5E, PML4E
        if raw & rsvd:
            return "pf %#x" % (code | PF_P | PF_RSVD)
        if not pdpte:
            if bug == "us-not-anded":
                u = bool(raw & US)
            else:
                u = u and bool(raw & US)
            w = w and bool(raw & RW)
        if nxe and raw & XD:
            x = True
        if not leaf:
            table = raw & bits(phys_hi, 12)
            continue
        frame = raw & bits(phys_hi, shift)
        if m.mode == "2level" and not last and bug != "pse36-ignored":
            m36 = min(max(m.maxphy, 32), 40)
            frame |= ((raw >> 13) & ((1 << (m36 - 32)) - 1)) << 32
        if bug == "xd-ignored":
            x = False
        if protection_fault(m, access, user, u, w, x):
            return "pf %#x" % (code | PF_P)
        return "%#x" % (frame | (va & ((1 << shift) - 1)))


def protection_fault(m, access, user, u, w, x):
    """SDM 4.6: user/supervisor, then SMEP/SMAP, then R/W (CR0.WP), then XD."""
    if user and not u:
        return True
    if not user and u and access == "x" and m.ctl["cr4.smep"]:
        return True
    if not user and u and access != "x" and m.ctl["cr4.smap"] and not m.ctl["rflags.ac"]:
        return True
    if access == "w" and not w and (user or m.ctl["cr0.wp"]):
        return True
    return access == "x" and x


def main():
    args = sys.argv[1:]
    bug = None
    if len(args) == 3 and args[0] == "--bug":
        bug, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit("usage: ref_walker.py [--bug NAME] MACHINE_FILE")
    if bug == "slow-start":
        time.sleep(0.3)
    m = Machine(args[0])
    count = 0
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        count += 1
        if bug == "hang":
            time.sleep(3600)
        if bug == "crash" and count == 2:
            os.kill(os.getpid(), signal.SIGSEGV)
        if bug == "garbage":
            print("the answer is %s" % w[0])
            continue
        if bug == "too-few" and count % 2 == 0:
            continue
        access = w[1] if len(w) > 1 else "r"
        user = (w[2] if len(w) > 2 else "user") == "user"
        print(walk(m, int(w[0], 0), access, user, bug))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
