// The host CPU's own description of its TLBs, from CPUID (Intel SDM Vol. 2A, CPUID; AMD APM
// Vol. 3, appendix E). The decoders are pure functions of register values, so they can be tested
// with any CPU's numbers; host_tlb() runs CPUID on this machine.
//   Intel  leaf 0x18 (deterministic address translation parameters), else leaf 2's descriptors
//   AMD    leaves 0x80000005 (L1 TLBs) and 0x80000006 (L2 TLBs)
// A hypervisor may report nothing (leaf 0x18 all zeros, descriptors 0): then the geometry is
// empty and `notes` says so plainly.
#pragma once

#include "tlb.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmtour {

struct CpuidRegs {
    std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

struct HostTlb {
    std::string vendor;               // "GenuineIntel", "AuthenticAMD", ...
    TlbGeometry geometry;             // levels empty when nothing was reported
    std::vector<std::string> notes;   // what was read and what was missing, one line each
};

// Leaf 0x18, subleaves 0..n (subleaf 0's EAX is the last subleaf).
void decode_leaf18(std::span<const CpuidRegs> subleaves, HostTlb& out);
// Leaf 2's descriptor bytes (only the TLB descriptors are known here).
void decode_leaf2(std::span<const std::uint8_t> descriptors, HostTlb& out);
// Leaves 0x80000005 and 0x80000006.
void decode_amd(const CpuidRegs& l1, const CpuidRegs& l2, HostTlb& out);

HostTlb host_tlb();

}  // namespace vmtour
