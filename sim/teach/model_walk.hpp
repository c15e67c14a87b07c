// A model of a learner walking page tables, with knobs for the usual misconceptions. With every
// knob at its default it gives the same answer as the Mmu (a test checks that on many machines);
// each knob turned makes one known mistake. grade.cpp compares the learner's answer with these
// models to name the mistake. Reserved bits are taken from the true walk: an entry the true walk
// found malformed is malformed for the model too (the model has no reserved-bit masks of its own).
#pragma once

#include "grade.hpp"
#include "machine.hpp"
#include "walk.hpp"

#include <cstdint>
#include <vector>

namespace vmtour {

struct Knobs {
    bool canonical = true;       // #GP for a non-canonical address (else: sign-extend and walk)
    bool honour_ps = true;       // a PS=1 directory entry maps a page
    bool ps_needs_cr4 = true;    // ... in 32-bit paging only with CR4.PSE=1
    bool pse36 = true;           // a 4 MB PDE's bits 20:13 are physical bits 39:32
    bool and_us = true, and_rw = true;  // U/S, R/W ANDed across levels (else: the leaf's alone)
    bool xd = true;              // XD refuses instruction fetches (EFER.NXE=1)
    bool reserved = true;        // reserved bits fault
    bool smep_smap = true;       // CR4.SMEP / CR4.SMAP apply
    bool wp = true;              // CR0.WP as the machine says (else: taken as the opposite)
    unsigned index_bits = 0;     // below the top level, indices this wide (0: the mode's)
    unsigned entry_scale = 0;    // bytes per entry for the entry address (0: the mode's)
    int force_level = -1;        // take force_index at this level instead of the VA's
    unsigned force_index = 0;
};

struct ModelStep {
    unsigned level = 0;
    std::uint64_t entry_addr = 0;
    std::uint64_t raw = 0;
    bool leaf = false;
};

struct ModelWalk {
    std::vector<ModelStep> steps;
    Answer answer;
};

ModelWalk model_walk(const Machine& m, const Walk& truth, const Knobs& k);

}  // namespace vmtour
