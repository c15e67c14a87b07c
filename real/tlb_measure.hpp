// vmreal tlb: your CPU's TLB, measured without privileges.
//
// A random-order pointer chase that touches one cache line in each of N pages, timed per access,
// for N from a few pages to tens of thousands: while N pages fit the first-level TLB, every access
// hits it; past its reach the time per access steps up (a second-level TLB hit), and again past
// the second level's reach (a page walk). With transparent huge pages the same N pages sit in
// N/512 huge pages, so the steps move far to the right. The chase is the OSTEP "TLB measurement"
// homework, with what makes it trustworthy: pinned to one CPU, a cyclic random permutation (every
// page once per round, no prefetcher pattern), the line within each page varied so the data cache
// sets are spread, a warm-up round, and the median of several repetitions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vmtour {

struct TlbPoint {
    std::uint64_t pages = 0;
    double ns_4k = 0, ns_thp = 0;  // median ns per access; 0: not measured
    double thp_fraction = -1;      // of the THP buffer backed by huge pages (AnonHugePages), -1 unknown
};

struct Knee {
    std::uint64_t pages = 0;  // the first N after the step
    double before = 0, after = 0;
};

// Where the time per access steps up by at least `factor` over the level before it and stays up
// (the next point too): the first N after each step, with the times before and after.
std::vector<Knee> find_knees(const std::vector<std::uint64_t>& pages, const std::vector<double>& ns, double factor = 1.3);

// `vmreal tlb [options]`: argv[0] is "tlb". Returns the exit code.
int run_tlb_measure(int argc, char** argv);

}  // namespace vmtour
